/**
 * A Kubernetes YAML file -> its objects, sorted by what berth does with them: ConfigMaps and
 * Secrets (env), PVCs (named volumes), Services (published ports), Pods and Deployments (pods),
 * and the kinds it skips. Hostile input: every field is checked before use; a bad document is
 * one line naming it.
 */
import { invalidArgument } from '../errors.js';

export type Obj = Record<string, unknown>;

export interface KubeFile {
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
  claims: string[];
  services: { name: string; selector: Record<string, string>; ports: { port: number; targetPort?: number; nodePort?: number; protocol?: string }[] }[];
  pods: { name: string; labels: Record<string, string>; annotations: Record<string, string>; spec: Obj; deployment?: string; replica?: number }[];
  /** Kinds skipped (each once). */
  skipped: string[];
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function strMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw invalidArgument(`${where}: must be a mapping`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw invalidArgument(`${where}.${k}: must be a string`);
    out[k] = String(x);
  }
  return out;
}

const DNS = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function nameOf(doc: Obj, kind: string, i: number): string {
  const meta = doc.metadata;
  const name = isObj(meta) ? meta.name : undefined;
  if (typeof name !== 'string' || !DNS.test(name) || name.length > 253) throw invalidArgument(`document ${i + 1} (${kind}): metadata.name ${JSON.stringify(name ?? null)} is not a valid Kubernetes name`);
  return name;
}

export async function readKubeFile(text: string): Promise<KubeFile> {
  const { parseAllDocuments } = await import('yaml');
  const out: KubeFile = { configMaps: new Map(), secrets: new Map(), claims: [], services: [], pods: [], skipped: [] };
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((d, i) => {
    if (d.errors.length) throw invalidArgument(`document ${i + 1}: ${d.errors[0].message.split('\n')[0]}`);
    let doc: unknown;
    try {
      doc = d.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw invalidArgument(`document ${i + 1}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (doc === null || doc === undefined) return;
    if (!isObj(doc)) throw invalidArgument(`document ${i + 1}: not a Kubernetes object (a mapping with apiVersion and kind)`);
    const kind = typeof doc.kind === 'string' ? doc.kind : '';
    const api = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
    if (!kind || !api) throw invalidArgument(`document ${i + 1}: apiVersion and kind are required`);
    const meta = isObj(doc.metadata) ? doc.metadata : {};
    const labels = () => strMap(meta.labels, `${kind} metadata.labels`);
    if (kind === 'ConfigMap' && api === 'v1') out.configMaps.set(nameOf(doc, kind, i), strMap(doc.data, `ConfigMap ${nameOf(doc, kind, i)} data`));
    else if (kind === 'Secret' && api === 'v1') out.secrets.set(nameOf(doc, kind, i), secretData(doc, nameOf(doc, kind, i)));
    else if (kind === 'PersistentVolumeClaim' && api === 'v1') out.claims.push(nameOf(doc, kind, i));
    else if (kind === 'Service' && api === 'v1') out.services.push(service(doc, nameOf(doc, kind, i)));
    else if (kind === 'Pod' && api === 'v1') {
      if (!isObj(doc.spec)) throw invalidArgument(`Pod ${nameOf(doc, kind, i)}: spec is required`);
      out.pods.push({ name: nameOf(doc, kind, i), labels: labels(), annotations: strMap(meta.annotations, `Pod metadata.annotations`), spec: doc.spec });
    } else if (kind === 'Deployment' && api === 'apps/v1') out.pods.push(...deployment(doc, nameOf(doc, kind, i)));
    else if (!out.skipped.includes(`${api}/${kind}`)) out.skipped.push(`${api}/${kind}`);
  });
  return out;
}

function secretData(doc: Obj, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(strMap(doc.data, `Secret ${name} data`))) {
    if (!/^[A-Za-z0-9+/=\s]*$/.test(v)) throw invalidArgument(`Secret ${name} data.${k}: not base64`);
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return { ...out, ...strMap(doc.stringData, `Secret ${name} stringData`) };
}

const portNum = (v: unknown, where: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) throw invalidArgument(`${where}: must be a port number (1-65535)`);
  return v as number;
};

function service(doc: Obj, name: string): KubeFile['services'][number] {
  const spec = isObj(doc.spec) ? doc.spec : {};
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  return {
    name, selector: strMap(spec.selector, `Service ${name} spec.selector`),
    ports: ports.map((p, i) => {
      if (!isObj(p)) throw invalidArgument(`Service ${name} spec.ports[${i}]: must be a mapping`);
      const where = `Service ${name} spec.ports[${i}]`;
      return { port: portNum(p.port, `${where}.port`) ?? 0, targetPort: portNum(p.targetPort, `${where}.targetPort`), nodePort: portNum(p.nodePort, `${where}.nodePort`), protocol: typeof p.protocol === 'string' ? p.protocol : undefined };
    }).filter((p) => p.port > 0),
  };
}

function deployment(doc: Obj, name: string): KubeFile['pods'] {
  const spec = isObj(doc.spec) ? doc.spec : {};
  const tpl = isObj(spec.template) ? spec.template : undefined;
  if (!tpl || !isObj(tpl.spec)) throw invalidArgument(`Deployment ${name}: spec.template.spec is required`);
  const replicas = spec.replicas === undefined ? 1 : spec.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0 || (replicas as number) > 100) throw invalidArgument(`Deployment ${name}: spec.replicas must be an integer from 0 to 100`);
  const meta = isObj(tpl.metadata) ? tpl.metadata : {};
  const labels = strMap(meta.labels, `Deployment ${name} template labels`);
  const annotations = strMap(meta.annotations, `Deployment ${name} template annotations`);
  return Array.from({ length: replicas as number }, (_, i) => ({ name: deploymentPodName(name, i), labels: { ...labels, 'berth.io/deployment': name }, annotations, spec: tpl.spec as Obj, deployment: name, replica: i }));
}

export function deploymentPodName(name: string, i: number): string {
  return `${name}-pod-${i}`;
}

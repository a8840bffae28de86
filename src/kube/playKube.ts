/**
 * `kube play FILE`: the file's Pods and Deployments (each replica a pod) run as berth pods;
 * Services publish their ports on the pods they select (nodePort, else port), ConfigMaps and
 * Secrets feed env/envFrom and configMap/secret volumes (files, read-only), PVCs become named volumes. `kube down FILE` removes those pods.
 * Kinds berth does not run are reported, one line each.
 */
import { alreadyExists, invalidArgument, isBerthError } from '../errors.js';
import type { ContainerStore } from '../engine/ContainerStore.js';
import { createContainer } from '../engine/createContainer.js';
import { writeProjected } from './projectedVolumes.js';
import { createPod } from '../engine/pods/createPod.js';
import { removePod, startPod } from '../engine/pods/podLifecycle.js';
import { PodStore } from '../engine/pods/PodStore.js';
import { VolumeStore } from '../engine/volumes.js';
import { containerFlags } from './containerFlags.js';
import { ANN_POD_CPUS, ANN_POD_MEMORY, parseMemoryQuantity, parseCpuQuantity } from './names.js';
import { isObj, readKubeFile, type KubeFile } from './readKubeFile.js';

export interface PlayResult { pods: { name: string; id: string; containers: string[] }[]; volumes: string[]; skipped: string[] }

const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);

function publishFor(file: KubeFile, p: KubeFile['pods'][number]): string[] {
  const out: string[] = [];
  const containers = Array.isArray(p.spec.containers) ? p.spec.containers : [];
  // A second replica cannot bind the same host ports: only the first publishes.
  if (p.replica) return out;
  for (const c of containers) {
    for (const port of isObj(c) && Array.isArray(c.ports) ? c.ports : []) {
      if (!isObj(port) || !Number.isInteger(port.containerPort)) continue;
      const proto = typeof port.protocol === 'string' ? `/${port.protocol.toLowerCase()}` : '';
      if (Number.isInteger(port.hostPort)) out.push(`${typeof port.hostIP === 'string' ? `${port.hostIP}:` : ''}${port.hostPort}:${port.containerPort}${proto}`);
    }
  }
  for (const s of file.services) {
    if (!matches(s.selector, p.labels)) continue;
    for (const port of s.ports) out.push(`${port.nodePort ?? port.port}:${port.targetPort ?? port.port}${port.protocol ? `/${port.protocol.toLowerCase()}` : ''}`);
  }
  return [...new Set(out)];
}

/** hostAliases -> `--add-host name:ip` of the pod. */
function aliasesOf(spec: Record<string, unknown>, pod: string): string[] {
  const out: string[] = [];
  for (const a of Array.isArray(spec.hostAliases) ? spec.hostAliases : []) {
    if (!isObj(a) || typeof a.ip !== 'string' || !Array.isArray(a.hostnames)) throw invalidArgument(`Pod ${pod}: hostAliases entries need an ip and hostnames`);
    for (const h of a.hostnames) {
      if (typeof h !== 'string') throw invalidArgument(`Pod ${pod}: hostAliases hostnames must be strings`);
      out.push(`${h}:${a.ip}`);
    }
  }
  return out;
}

export async function playKube(store: ContainerStore, text: string, o: { replace?: boolean; start?: boolean; ensureImage?: (image: string) => Promise<void> } = {}): Promise<PlayResult> {
  const file = await readKubeFile(text);
  for (const k of file.skipped) process.stderr.write(`kube play: ${k} is not supported; skipped\n`);
  const res: PlayResult = { pods: [], volumes: [], skipped: file.skipped };
  if (o.replace) await downKube(store, file);
  const vols = new VolumeStore(store.root);
  for (const c of file.claims) {
    vols.create(c);
    res.volumes.push(c);
  }
  const pods = new PodStore(store.root);
  for (const p of file.pods) {
    try {
      pods.find(p.name);
      throw alreadyExists(`pod ${p.name} already exists (kube play --replace removes it first)`);
    } catch (e) {
      if (!isBerthError(e, 'NotFound')) throw e;
    }
    const containers = Array.isArray(p.spec.containers) ? p.spec.containers : [];
    if (!containers.length) throw invalidArgument(`Pod ${p.name}: spec.containers is empty`);
    const played = containers.map((c, i) => containerFlags(c, p.name, p.spec, file, i));
    for (const c of played) await o.ensureImage?.(c.image);
    const mem = p.annotations[ANN_POD_MEMORY];
    const cpus = p.annotations[ANN_POD_CPUS];
    const pod = await createPod(store, {
      name: p.name, hostname: typeof p.spec.hostname === 'string' ? p.spec.hostname : undefined,
      publish: publishFor(file, p), addHost: aliasesOf(p.spec, p.name), share: p.spec.shareProcessNamespace === true ? 'net,ipc,uts,pid' : undefined,
      network: p.spec.hostNetwork === true ? 'host' : undefined,
      labels: Object.entries(p.labels).map(([k, v]) => `${k}=${v}`),
      memory: mem ? String(parseMemoryQuantity(mem)) : undefined, cpus: cpus ? parseCpuQuantity(cpus) : undefined,
    });
    const ids: string[] = [];
    try {
      played.forEach((c, i) => c.projected.forEach((v, j) => c.flags.volume.push(`${writeProjected(store.root, pod.Id, `${i}-${j}`, v)}:${v.mountPath}:ro`)));
      for (const c of played) ids.push((await createContainer(store, { image: c.image, command: c.command, flags: { ...c.flags, pod: pod.Id }, envSources: c.envSources })).Id);
      if (o.start !== false) await startPod(store, pod.Id);
    } catch (e) {
      await removePod(store, pod.Id, true).catch(() => undefined);
      throw e;
    }
    res.pods.push({ name: p.name, id: pod.Id, containers: ids });
  }
  return res;
}

/** The pods a file's Pods and Deployments made (replicas by name and by their deployment label), removed. */
export async function downKube(store: ContainerStore, fileOrText: KubeFile | string, o: { volumes?: boolean } = {}): Promise<{ pods: string[]; volumes: string[] }> {
  const file = typeof fileOrText === 'string' ? await readKubeFile(fileOrText) : fileOrText;
  const pods = new PodStore(store.root);
  const out = { pods: [] as string[], volumes: [] as string[] };
  const deployments = new Set(file.pods.map((p) => p.deployment).filter(Boolean));
  const names = new Set(file.pods.map((p) => p.name));
  for (const pod of pods.list()) {
    if (!names.has(pod.Name) && !deployments.has(pod.Labels['berth.io/deployment'])) continue;
    await removePod(store, pod.Id, true);
    out.pods.push(pod.Id);
  }
  if (o.volumes) {
    const vols = new VolumeStore(store.root);
    for (const c of file.claims) {
      try {
        vols.remove(c, store, true);
        out.volumes.push(c);
      } catch (e) {
        if (!isBerthError(e, 'NotFound')) throw e;
      }
    }
  }
  return out;
}

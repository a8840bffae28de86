/**
 * `kube generate CONTAINER|POD|PROJECT...`: Kubernetes objects for berth containers, pods and
 * compose projects — a Pod
 * (or a Deployment), a Service for the published ports (`--service`), a PersistentVolumeClaim
 * per named volume, a ConfigMap/Secret per env file (kube/envObjects.ts). The mapping is the one `kube play` reads back (kube/playKube.ts), so a
 * generate → play → generate round trip gives the same YAML. Pure but for the reads.
 */
import { invalidArgument, isBerthError, notFound } from '../errors.js';
import { ImageStore } from '../image/ImageStore.js';
import type { ContainerConfig } from '../image/manifest.js';
import type { ContainerStore } from '../engine/ContainerStore.js';
import { POD_INFRA_LABEL, POD_LABEL } from '../engine/podLabel.js';
import { podMembers } from '../engine/pods/podContainers.js';
import { PodStore, type PodRecord } from '../engine/pods/PodStore.js';
import type { ContainerRecord } from '../engine/types.js';
import { envPlan, placeObjects } from './envObjects.js';
import { readProjectedSource } from './projectedVolumes.js';
import { isObj } from './readKubeFile.js';
import { ANN_POD_CPUS, ANN_POD_MEMORY, LABEL_DEPLOYMENT, cpuQuantity, kubeName, memoryQuantity } from './names.js';

export interface GenerateOptions { type?: 'pod' | 'deployment'; service?: boolean; replicas?: number }
type Obj = Record<string, unknown>;

interface Port { containerPort: number; hostPort?: number; hostIP?: string; protocol?: string }

/** Docker's PortBindings -> Kubernetes container ports (sorted, so the output is stable). */
export function portsOf(bindings: ContainerRecord['HostConfig']['PortBindings']): Port[] {
  const out: Port[] = [];
  for (const [key, binds] of Object.entries(bindings ?? {})) {
    const [p, proto = 'tcp'] = key.split('/');
    for (const b of binds ?? [{ HostIp: '', HostPort: '' }]) {
      const port: Port = { containerPort: Number(p) };
      if (b.HostPort && /^\d+$/.test(b.HostPort)) port.hostPort = Number(b.HostPort);
      if (b.HostIp && b.HostIp !== '0.0.0.0') port.hostIP = b.HostIp;
      if (proto !== 'tcp') port.protocol = proto.toUpperCase();
      out.push(port);
    }
  }
  return out.sort((a, b) => a.containerPort - b.containerPort || (a.hostPort ?? 0) - (b.hostPort ?? 0));
}

function healthProbe(rec: ContainerRecord): Obj | undefined {
  const h = rec.Config.Healthcheck;
  const t = h?.Test;
  if (!t?.length || t[0] === 'NONE') return undefined;
  const command = t[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', t.slice(1).join(' ')] : t[0] === 'CMD' ? t.slice(1) : t;
  const s = (ns: number | undefined) => (ns ? Math.max(1, Math.round(ns / 1e9)) : undefined);
  const probe: Obj = { exec: { command } };
  if (s(h!.StartPeriod)) probe.initialDelaySeconds = s(h!.StartPeriod);
  if (s(h!.Interval)) probe.periodSeconds = s(h!.Interval);
  if (s(h!.Timeout)) probe.timeoutSeconds = s(h!.Timeout);
  if (h!.Retries) probe.failureThreshold = h!.Retries;
  return probe;
}

function securityContext(rec: ContainerRecord): Obj | undefined {
  const hc = rec.HostConfig;
  const sc: Obj = {};
  const [u, g] = rec.Config.User ? rec.Config.User.split(':') : [];
  if (u !== undefined && /^\d+$/.test(u)) sc.runAsUser = Number(u);
  if (g !== undefined && /^\d+$/.test(g)) sc.runAsGroup = Number(g);
  if (hc.Privileged) sc.privileged = true;
  if (hc.ReadonlyRootfs) sc.readOnlyRootFilesystem = true;
  const caps: Obj = {};
  if (hc.CapAdd?.length) caps.add = hc.CapAdd.map((c) => c.toUpperCase().replace(/^CAP_/, ''));
  if (hc.CapDrop?.length) caps.drop = hc.CapDrop.map((c) => c.toUpperCase().replace(/^CAP_/, ''));
  if (Object.keys(caps).length) sc.capabilities = caps;
  return Object.keys(sc).length ? sc : undefined;
}

function resources(rec: ContainerRecord): Obj | undefined {
  const hc = rec.HostConfig;
  const limits: Obj = {};
  const requests: Obj = {};
  if (hc.Memory > 0) limits.memory = memoryQuantity(hc.Memory);
  if (hc.NanoCpus > 0) limits.cpu = cpuQuantity(hc.NanoCpus);
  else if (hc.CpuQuota > 0) limits.cpu = cpuQuantity((hc.CpuQuota / (hc.CpuPeriod || 100000)) * 1e9);
  if (hc.MemoryReservation > 0) requests.memory = memoryQuantity(hc.MemoryReservation);
  if (hc.CpuShares > 0) requests.cpu = cpuQuantity((hc.CpuShares / 1024) * 1e9);
  const r: Obj = {};
  if (Object.keys(limits).length) r.limits = limits;
  if (Object.keys(requests).length) r.requests = requests;
  return Object.keys(r).length ? r : undefined;
}

/** What the containers of a unit need besides themselves: pod volumes, PVCs, ConfigMaps/Secrets. */
interface VolumeUse { volumes: Obj[]; claims: string[]; config: Obj[]; root: string }

function mounts(rec: ContainerRecord, prefix: string, use: VolumeUse): Obj[] {
  const out: Obj[] = [];
  for (const m of [...rec.Mounts].sort((a, b) => (a.Destination < b.Destination ? -1 : 1))) {
    let vol: Obj;
    if (m.Type === 'volume') {
      if (m.Anonymous || !m.Name) continue;
      const claim = kubeName(m.Name);
      vol = { name: kubeName(`${claim}-pvc`), persistentVolumeClaim: { claimName: claim } };
      if (!use.claims.includes(claim)) use.claims.push(claim);
    } else if (m.Type === 'bind' && readProjectedSource(use.root, m.Source)) {
      // kube play's configMap/secret volume: the volume and its object again (always read-only)
      const src = readProjectedSource(use.root, m.Source)!;
      vol = { name: src.name, ...structuredClone(src.volume) };
      if (src.object) {
        const placed = placeObjects(use.config, [{ kind: src.object.kind, data: new Map(Object.entries(src.object.data)) }], src.object.name);
        if (src.object.kind === 'ConfigMap' && isObj(vol.configMap)) vol.configMap.name = placed;
        if (src.object.kind === 'Secret' && isObj(vol.secret)) vol.secret.secretName = placed;
      }
      if (!use.volumes.some((v) => v.name === vol.name)) use.volumes.push(vol);
      out.push({ name: vol.name, mountPath: m.Destination });
      continue;
    } else if (m.Type === 'bind') {
      vol = { name: kubeName(`${prefix}-${m.Destination.replace(/\//g, '-')}-host`), hostPath: { path: m.Source, type: 'Directory' } };
    } else {
      vol = { name: kubeName(`${prefix}-${m.Destination.replace(/\//g, '-')}-tmpfs`), emptyDir: { medium: 'Memory' } };
    }
    if (!use.volumes.some((v) => v.name === vol.name)) use.volumes.push(vol);
    out.push({ name: vol.name, mountPath: m.Destination, ...(m.RW ? {} : { readOnly: true }) });
  }
  return out;
}

/** One container of the Pod spec. `withHostPorts`: its published ports carry hostPort (no Service). */
function containerSpec(rec: ContainerRecord, name: string, img: ContainerConfig, ports: Port[], use: VolumeUse): Obj {
  const c: Obj = { name, image: rec.Config.Image };
  const ep = rec.Config.Entrypoint ?? [];
  const imgEp = img.Entrypoint ?? [];
  const cmd = rec.Config.Cmd ?? [];
  // `command` is one word (play turns it into --entrypoint); the rest goes to `args`.
  if (ep.length && JSON.stringify(ep) !== JSON.stringify(imgEp)) {
    c.command = [ep[0]];
    c.args = [...ep.slice(1), ...cmd];
  } else if (cmd.length && JSON.stringify(cmd) !== JSON.stringify(img.Cmd ?? [])) {
    c.args = [...cmd];
  }
  if ((c.args as unknown[] | undefined)?.length === 0) delete c.args;
  const plan = envPlan(rec, name, img.Env ?? [], use.config);
  if (plan.envFrom.length) c.envFrom = plan.envFrom;
  const env = plan.inline.map((e) => {
    const i = e.indexOf('=');
    return i < 0 ? { name: e, value: '' } : { name: e.slice(0, i), value: e.slice(i + 1) };
  });
  if (env.length) c.env = env;
  if (rec.Config.WorkingDir && rec.Config.WorkingDir !== (img.WorkingDir ?? '')) c.workingDir = rec.Config.WorkingDir;
  if (ports.length) c.ports = ports;
  const r = resources(rec);
  if (r) c.resources = r;
  const probe = healthProbe(rec);
  if (probe) c.livenessProbe = probe;
  const sc = securityContext(rec);
  if (sc) c.securityContext = sc;
  const vm = mounts(rec, name, use);
  if (vm.length) c.volumeMounts = vm;
  if (rec.Config.Tty) c.tty = true;
  if (rec.Config.OpenStdin) c.stdin = true;
  return c;
}

function restartPolicy(recs: ContainerRecord[]): string {
  const p = recs[0]?.HostConfig.RestartPolicy.Name ?? 'no';
  return p === 'always' || p === 'unless-stopped' ? 'Always' : p === 'on-failure' ? 'OnFailure' : 'Never';
}

interface Unit { name: string; labels: Record<string, string>; annotations: Record<string, string>; recs: ContainerRecord[]; prefix: string; ports: Port[]; pod?: PodRecord; deployment?: string; replicas: number; hosts: string[]; names?: string[] }

function unitFor(store: ContainerStore, ref: string): Unit {
  const pods = new PodStore(store.root);
  let pod: PodRecord | undefined;
  try {
    pod = pods.find(ref);
  } catch (e) {
    if (!isBerthError(e, 'NotFound')) throw e;
  }
  if (!pod) {
    let rec: ContainerRecord;
    try {
      rec = store.find(ref);
    } catch (e) {
      if (!isBerthError(e, 'NotFound')) throw e;
      const project = composeUnit(store, ref);
      if (project) return project;
      throw notFound(`no such container, pod or compose project: ${ref}`);
    }
    const podId = rec.Config.Labels?.[POD_LABEL];
    if (podId) throw invalidArgument(`container ${rec.Name.slice(1)} is in pod ${pods.read(podId)?.Name ?? podId}: generate the pod`);
    const name = kubeName(`${rec.Name.slice(1)}-pod`);
    return { name, labels: { app: name }, annotations: {}, recs: [rec], prefix: '', ports: portsOf(rec.HostConfig.PortBindings), replicas: 1, hosts: [] };
  }
  const members = podMembers(store, pod);
  const infra = members.find((m) => m.infra)?.rec;
  const recs = members.filter((m) => !m.infra && m.rec.Config.Labels?.[POD_INFRA_LABEL] !== 'true').map((m) => m.rec);
  const annotations: Record<string, string> = {};
  if (pod.Memory) annotations[ANN_POD_MEMORY] = memoryQuantity(pod.Memory);
  if (pod.NanoCpus) annotations[ANN_POD_CPUS] = cpuQuantity(pod.NanoCpus);
  const deployment = pod.Labels[LABEL_DEPLOYMENT];
  const labels: Record<string, string> = { app: kubeName(deployment ?? pod.Name), ...pod.Labels };
  const replicas = deployment ? pods.list().filter((p) => p.Labels[LABEL_DEPLOYMENT] === deployment).length : 1;
  return { name: kubeName(deployment ?? pod.Name), labels, annotations, recs, prefix: `${pod.Name}-`, ports: infra ? portsOf(infra.HostConfig.PortBindings) : [], pod, deployment, replicas, hosts: pod.AddHost ?? [] };
}

/**
 * A compose project (its containers' `com.docker.compose.project` label): one Pod, a container
 * per service (its first replica), as podman-compose runs a project in one pod; the services'
 * names resolve to 127.0.0.1 (hostAliases), so they still reach each other by name.
 */
function composeUnit(store: ContainerStore, project: string): Unit | undefined {
  const recs = store.list().filter((r) => r.Config.Labels?.['com.docker.compose.project'] === project && r.Config.Labels?.['com.docker.compose.oneoff'] !== 'True');
  const bySvc = new Map<string, ContainerRecord>();
  for (const r of recs.sort((a, b) => Number(a.Config.Labels['com.docker.compose.container-number'] ?? 1) - Number(b.Config.Labels['com.docker.compose.container-number'] ?? 1))) {
    const svc = r.Config.Labels['com.docker.compose.service'];
    if (svc && !bySvc.has(svc)) bySvc.set(svc, r);
  }
  if (!bySvc.size) return undefined;
  const svcs = [...bySvc.keys()].sort();
  const chosen = svcs.map((s) => bySvc.get(s)!);
  const name = kubeName(project);
  const ports = portsOf(Object.assign({}, ...chosen.map((r) => r.HostConfig.PortBindings)));
  return { name, labels: { app: name }, annotations: {}, recs: chosen, prefix: '', ports, replicas: 1, hosts: svcs.map((s) => `${kubeName(s)}:127.0.0.1`), names: svcs.map(kubeName) };
}

/** The objects for one container or pod. */
export function generateObjects(store: ContainerStore, ref: string, o: GenerateOptions = {}): Obj[] {
  const u = unitFor(store, ref);
  if (!u.recs.length) throw invalidArgument(`pod ${u.pod?.Name ?? ref} has no containers to generate`);
  const images = new ImageStore(store.root);
  const use: VolumeUse = { volumes: [], claims: [], config: [], root: store.root };
  const containers = u.recs.map((rec, i) => {
    const img = imageConfigOf(images, rec);
    const bare = u.names?.[i] ?? (rec.Name.slice(1).startsWith(u.prefix) ? rec.Name.slice(1 + u.prefix.length) : rec.Name.slice(1));
    const ports = i === 0 ? (o.service ? u.ports.map(({ hostPort: _h, hostIP: _i, ...p }) => p) : u.ports) : [];
    return containerSpec(rec, kubeName(bare), img, ports, use);
  });
  const spec: Obj = { containers, restartPolicy: restartPolicy(u.recs) };
  if (u.pod?.SharedNamespaces.includes('pid')) spec.shareProcessNamespace = true;
  if (u.pod && u.pod.Hostname !== u.pod.Name) spec.hostname = u.pod.Hostname;
  if (u.pod?.InfraContainerId && u.pod.Network === 'host') spec.hostNetwork = true;
  if (use.volumes.length) spec.volumes = use.volumes;
  if (u.hosts.length) spec.hostAliases = hostAliases(u.hosts);
  const meta = (name: string, withAnn: boolean): Obj => ({ name, labels: { ...u.labels }, ...(withAnn && Object.keys(u.annotations).length ? { annotations: { ...u.annotations } } : {}) });
  const out: Obj[] = [];
  for (const claim of use.claims) {
    out.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  }
  out.push(...use.config);
  if ((o.type ?? 'pod') === 'deployment') {
    if (spec.restartPolicy !== 'Always') spec.restartPolicy = 'Always';
    const { [LABEL_DEPLOYMENT]: _d, ...podLabels } = u.labels;
    out.push({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: u.name, labels: { app: u.name } },
      spec: { replicas: o.replicas ?? u.replicas, selector: { matchLabels: { app: u.name } }, template: { metadata: { labels: podLabels, ...(Object.keys(u.annotations).length ? { annotations: { ...u.annotations } } : {}) }, spec } },
    });
  } else {
    out.push({ apiVersion: 'v1', kind: 'Pod', metadata: meta(u.name, true), spec });
  }
  if (o.service && u.ports.length) {
    out.push({
      apiVersion: 'v1', kind: 'Service', metadata: { name: u.name, labels: { app: u.name } },
      spec: {
        type: 'NodePort', selector: { app: u.name },
        ports: u.ports.map((p) => ({ name: `${p.containerPort}-${(p.protocol ?? 'TCP').toLowerCase()}`, port: p.containerPort, targetPort: p.containerPort, ...(p.hostPort ? { nodePort: p.hostPort } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })),
      },
    });
  }
  return out;
}

/** `host:ip` entries -> hostAliases, one per address (in order of first use), names sorted. */
export function hostAliases(hosts: string[]): Obj[] {
  const byIp = new Map<string, string[]>();
  for (const h of hosts) {
    const i = h.lastIndexOf(':');
    const [name, ip] = i < 0 ? [h, ''] : [h.slice(0, i), h.slice(i + 1)];
    if (!ip) continue;
    const list = byIp.get(ip) ?? [];
    if (!list.includes(name)) list.push(name);
    byIp.set(ip, list);
  }
  return [...byIp].map(([ip, names]) => ({ ip, hostnames: names.sort() }));
}

function imageConfigOf(images: ImageStore, rec: ContainerRecord): ContainerConfig {
  try {
    return images.containerConfig(rec.Image);
  } catch {
    return {};
  }
}

/** The YAML text of `objs`, one document each. */
export async function toYaml(objs: Obj[]): Promise<string> {
  const { stringify } = await import('yaml');
  return objs.map((x) => `---\n${stringify(x, { lineWidth: 0 })}`).join('');
}

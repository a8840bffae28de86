/** One container of a Pod spec -> the `run` flags and command berth creates it with (the inverse of generateKube's containerSpec). */
import { invalidArgument } from '../errors.js';
import { emptyRunFlags, type RunFlags } from '../engine/runFlags.js';
import type { EnvSource } from '../engine/types.js';
import { isObj, type KubeFile, type Obj } from './readKubeFile.js';
import { parseCpuQuantity, parseMemoryQuantity } from './names.js';
import { projectedVolume, type ProjectedVolume } from './projectedVolumes.js';

const strings = (v: unknown, where: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' && typeof x !== 'number')) throw invalidArgument(`${where}: must be a list of strings`);
  return v.map(String);
};

const CNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `envSources`: the envFrom ConfigMaps/Secrets, recorded as the container's env sources (generate refers to them again). */
/** `projected`: configMap/secret volumes, written and bind-mounted read-only by play (kube/projectedVolumes.ts). */
export interface PlayedContainer { name: string; image: string; command: string[]; flags: RunFlags; envSources: EnvSource[]; projected: ProjectedVolume[] }

export function containerFlags(c: unknown, podName: string, pod: Obj, file: KubeFile, idx: number): PlayedContainer {
  if (!isObj(c)) throw invalidArgument(`Pod ${podName} spec.containers[${idx}]: must be a mapping`);
  const where = `Pod ${podName} container ${typeof c.name === 'string' ? c.name : idx}`;
  if (typeof c.name !== 'string' || !CNAME.test(c.name)) throw invalidArgument(`${where}: name must be a DNS label`);
  if (typeof c.image !== 'string' || !c.image) throw invalidArgument(`${where}: image is required`);
  const f: RunFlags = { ...emptyRunFlags(), name: `${podName}-${c.name}`, detach: true };
  const command = strings(c.command, `${where}.command`);
  const args = strings(c.args, `${where}.args`);
  if (command.length) f.entrypoint = command[0];
  const env = envOf(c, file, where);
  f.env = env.env;
  if (typeof c.workingDir === 'string') f.workdir = c.workingDir;
  resourcesOf(c.resources, f, where);
  probeOf(c.livenessProbe, f, where);
  securityOf(isObj(pod.securityContext) ? pod.securityContext : {}, isObj(c.securityContext) ? c.securityContext : {}, f);
  const projected: ProjectedVolume[] = [];
  for (const m of Array.isArray(c.volumeMounts) ? c.volumeMounts : []) mountOf(m, pod, f, where, file, projected);
  if (c.tty === true) f.tty = true;
  if (c.stdin === true) f.interactive = true;
  const rp = pod.restartPolicy;
  f.restart = rp === 'Always' ? 'always' : rp === 'OnFailure' ? 'on-failure' : 'no';
  return { name: c.name, image: c.image, command: [...command.slice(1), ...args], flags: f, envSources: env.sources, projected };
}

function envOf(c: Obj, file: KubeFile, where: string): { env: string[]; sources: EnvSource[] } {
  const out: string[] = [];
  const sources: EnvSource[] = [];
  const lookup = (src: Map<string, Record<string, string>>, kind: string, ref: unknown, key?: unknown): Record<string, string> | string | undefined => {
    if (!isObj(ref) || typeof ref.name !== 'string') throw invalidArgument(`${where}: a ${kind} reference needs a name`);
    const data = src.get(ref.name);
    if (!data) {
      if (ref.optional === true) return undefined;
      throw invalidArgument(`${where}: ${kind} ${ref.name} is not in the file`);
    }
    if (key === undefined) return data;
    if (typeof key !== 'string' || !(key in data)) {
      if (ref.optional === true) return undefined;
      throw invalidArgument(`${where}: ${kind} ${ref.name} has no key ${String(key)}`);
    }
    return data[key];
  };
  for (const e of Array.isArray(c.envFrom) ? c.envFrom : []) {
    if (!isObj(e)) continue;
    const prefix = typeof e.prefix === 'string' ? e.prefix : '';
    const data = e.configMapRef ? lookup(file.configMaps, 'ConfigMap', e.configMapRef) : e.secretRef ? lookup(file.secrets, 'Secret', e.secretRef) : undefined;
    if (!isObj(data)) continue;
    const name = String(((e.configMapRef ?? e.secretRef) as Obj).name);
    sources.push({ ...(e.configMapRef ? { ConfigMap: name } : { Secret: name }), ...(prefix ? { Prefix: prefix } : {}), Env: Object.entries(data).map(([k, v]) => `${prefix}${k}=${v}`) });
  }
  for (const e of Array.isArray(c.env) ? c.env : []) {
    if (!isObj(e) || typeof e.name !== 'string' || !e.name) throw invalidArgument(`${where}: env entries need a name`);
    if (isObj(e.valueFrom)) {
      const vf = e.valueFrom;
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
      if (!isObj(ref)) throw invalidArgument(`${where}: env ${e.name}: only configMapKeyRef and secretKeyRef are supported in valueFrom`);
      const v = lookup(vf.configMapKeyRef ? file.configMaps : file.secrets, vf.configMapKeyRef ? 'ConfigMap' : 'Secret', ref, ref.key);
      if (typeof v === 'string') out.push(`${e.name}=${v}`);
      continue;
    }
    out.push(`${e.name}=${e.value === undefined || e.value === null ? '' : String(e.value)}`);
  }
  return { env: out, sources };
}

function resourcesOf(r: unknown, f: RunFlags, where: string): void {
  if (!isObj(r)) return;
  const lim = isObj(r.limits) ? r.limits : {};
  const req = isObj(r.requests) ? r.requests : {};
  const q = (v: unknown, what: string) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw invalidArgument(`${where}: resources ${what} must be a quantity`);
    return v;
  };
  if (lim.memory !== undefined) f.memory = String(parseMemoryQuantity(q(lim.memory, 'limits.memory')));
  if (lim.cpu !== undefined) f.cpus = parseCpuQuantity(q(lim.cpu, 'limits.cpu'));
  if (req.memory !== undefined) f.memoryReservation = String(parseMemoryQuantity(q(req.memory, 'requests.memory')));
  if (req.cpu !== undefined) f.cpuShares = String(Math.round(Number(parseCpuQuantity(q(req.cpu, 'requests.cpu'))) * 1024));
}

function probeOf(p: unknown, f: RunFlags, where: string): void {
  if (!isObj(p)) return;
  if (!isObj(p.exec)) {
    process.stderr.write(`WARNING: ${where}: only exec probes become health checks; this livenessProbe is ignored\n`);
    return;
  }
  const cmd = strings(p.exec.command, `${where}.livenessProbe.exec.command`);
  if (!cmd.length) throw invalidArgument(`${where}: livenessProbe.exec.command is empty`);
  if (cmd.length === 3 && cmd[0] === '/bin/sh' && cmd[1] === '-c') f.healthCmd = cmd[2];
  else f.healthTest = ['CMD', ...cmd];
  const sec = (v: unknown, what: string) => {
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < 0) throw invalidArgument(`${where}: livenessProbe.${what} must be a whole number of seconds`);
    return `${v}s`;
  };
  f.healthInterval = sec(p.periodSeconds, 'periodSeconds');
  f.healthTimeout = sec(p.timeoutSeconds, 'timeoutSeconds');
  f.healthStartPeriod = sec(p.initialDelaySeconds, 'initialDelaySeconds');
  if (p.failureThreshold !== undefined) f.healthRetries = String(p.failureThreshold);
}

function securityOf(pod: Obj, c: Obj, f: RunFlags): void {
  const u = c.runAsUser ?? pod.runAsUser;
  const g = c.runAsGroup ?? pod.runAsGroup;
  if (Number.isInteger(u)) f.user = Number.isInteger(g) ? `${u}:${g}` : String(u);
  else if (Number.isInteger(g)) f.user = `0:${g}`;
  if (c.privileged === true) f.privileged = true;
  if (c.readOnlyRootFilesystem === true) f.readOnly = true;
  const caps = isObj(c.capabilities) ? c.capabilities : {};
  f.capAdd = strings(caps.add, 'securityContext.capabilities.add');
  f.capDrop = strings(caps.drop, 'securityContext.capabilities.drop');
}

function mountOf(m: unknown, pod: Obj, f: RunFlags, where: string, file: KubeFile, projected: ProjectedVolume[]): void {
  if (!isObj(m) || typeof m.name !== 'string' || typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) throw invalidArgument(`${where}: volumeMounts need a name and an absolute mountPath`);
  const vols = Array.isArray(pod.volumes) ? pod.volumes : [];
  const v = vols.find((x) => isObj(x) && x.name === m.name);
  if (!isObj(v)) throw invalidArgument(`${where}: volume ${m.name} is not in the pod's volumes`);
  const ro = m.readOnly === true ? ':ro' : '';
  const pv = projectedVolume(v, file, where);
  if (pv) {
    projected.push({ mountPath: m.mountPath, ...pv });
    return;
  }
  if (isObj(v.persistentVolumeClaim) && typeof v.persistentVolumeClaim.claimName === 'string') f.volume.push(`${v.persistentVolumeClaim.claimName}:${m.mountPath}${ro}`);
  else if (isObj(v.hostPath) && typeof v.hostPath.path === 'string' && v.hostPath.path.startsWith('/')) f.volume.push(`${v.hostPath.path}:${m.mountPath}${ro}`);
  else if (isObj(v.emptyDir) && v.emptyDir.medium === 'Memory') f.tmpfs.push(m.mountPath);
  else if (isObj(v.emptyDir)) f.volume.push(m.mountPath);
  else throw invalidArgument(`${where}: volume ${m.name}: only persistentVolumeClaim, hostPath, emptyDir, configMap and secret volumes are supported`);
}

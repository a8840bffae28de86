/**
 * The planner's core: one container of a normalised service -> the engine's create request
 * (the same `RunFlags` `berth run` hands the engine), its name, the extra networks to
 * connect before it starts, Docker compose's labels and the config hash. Pure.
 */
import crypto from 'node:crypto';
import { configError } from './configError.js';
import { publishFlag } from './ports.js';
import type { Project, ServiceConfig, ServiceNetwork } from './types.js';
import { emptyRunFlags, type RunFlags } from '../engine/runFlags.js';
import { parseDurationMs } from './units.js';

export const COMPOSE_VERSION = '2.29.0-berth';

export const L = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  hash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  version: 'com.docker.compose.version',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
} as const;

export interface Connect { network: string; aliases: string[]; ip?: string }

export interface ContainerPlan {
  name: string;
  service: string;
  number: number;
  image: string;
  command: string[];
  flags: RunFlags;
  /** Networks after the first, connected (engine/networkConnect.ts) before the start. */
  connect: Connect[];
  hash: string;
}

/** Canonical JSON (sorted keys) of what decides a container's configuration; replicas do not. */
export function configHash(svc: ServiceConfig): string {
  const { deploy, scale: _s, ...rest } = svc;
  const d = deploy ? { ...deploy, replicas: undefined } : undefined;
  return crypto.createHash('sha256').update(canonical({ ...rest, deploy: d })).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

export function containerName(p: Project, service: string, n: number): string {
  return p.services[service].container_name ?? `${p.name}-${service}-${n}`;
}

/** The image a service runs: `image:`, else what its build is tagged (`<project>-<service>`, as docker compose names it). */
export function serviceImage(p: Project, service: string): string {
  return p.services[service].image ?? `${p.name}-${service}`;
}

export function replicasOf(svc: ServiceConfig): number {
  return svc.deploy?.replicas ?? svc.scale ?? 1;
}

/** The service's networks, the primary first (higher `priority` first, then by key). */
export function orderedNetworks(svc: ServiceConfig): [string, ServiceNetwork | null][] {
  return Object.entries(svc.networks ?? {}).sort(([a, x], [b, y]) => (y?.priority ?? 0) - (x?.priority ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

export function serviceRequest(p: Project, service: string, n: number, o: { oneoff?: boolean; name?: string; command?: string[]; servicePorts?: boolean } = {}): ContainerPlan {
  const svc = p.services[service];
  if (!svc) throw configError(`no such service: ${service}`);
  if (!svc.image && !svc.build) throw configError(`service ${service} has neither an image nor a build context specified: invalid compose project`);
  const f: RunFlags = { ...emptyRunFlags(), detach: true };
  const name = o.name ?? containerName(p, service, n);
  f.name = name;
  const hash = configHash(svc);
  const labels: Record<string, string> = {
    ...(svc.labels ?? {}),
    [L.project]: p.name, [L.service]: service, [L.number]: String(n), [L.oneoff]: o.oneoff ? 'True' : 'False', [L.hash]: hash,
    [L.workingDir]: p.workingDir, [L.configFiles]: p.configFiles.join(','), [L.version]: COMPOSE_VERSION,
    [L.dependsOn]: Object.entries(svc.depends_on ?? {}).map(([d, c]) => `${d}:${c.condition}:${!!c.restart}`).join(','),
  };
  f.label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  f.env = Object.entries(svc.environment ?? {}).filter((e): e is [string, string] => e[1] !== null).map(([k, v]) => `${k}=${v}`);
  let command = o.command ?? svc.command ?? [];
  if (svc.entrypoint) {
    f.entrypoint = svc.entrypoint[0] ?? '';
    command = [...svc.entrypoint.slice(1), ...(o.command ?? svc.command ?? [])];
  }
  if (svc.user !== undefined) f.user = String(svc.user);
  if (svc.working_dir) f.workdir = svc.working_dir;
  if (svc.hostname) f.hostname = svc.hostname;
  if (svc.restart && !o.oneoff) f.restart = svc.restart;
  resources(svc, f);
  security(svc, f);
  lifecycle(svc, f);
  mounts(p, service, svc, f);
  const connect = networking(p, service, svc, f, !!o.oneoff && !o.servicePorts);
  if (svc.tty) f.tty = true;
  if (svc.pull_policy) f.pull = { if_not_present: 'missing', missing: 'missing', always: 'always', never: 'never', build: 'never' }[svc.pull_policy] ?? svc.pull_policy;
  if (svc.platform) f.platform = svc.platform;
  return { name, service, number: n, image: serviceImage(p, service), command, flags: f, connect, hash };
}

function resources(svc: ServiceConfig, f: RunFlags): void {
  const lim = svc.deploy?.resources?.limits ?? {};
  const res = svc.deploy?.resources?.reservations ?? {};
  const memory = svc.mem_limit ?? lim.memory;
  if (memory) f.memory = memory;
  if (svc.memswap_limit) f.memorySwap = svc.memswap_limit;
  const reservation = svc.mem_reservation ?? res.memory;
  if (reservation) f.memoryReservation = reservation;
  const cpus = svc.cpus ?? lim.cpus;
  if (cpus) f.cpus = String(cpus);
  if (svc.cpu_shares) f.cpuShares = String(svc.cpu_shares);
  const pids = svc.pids_limit ?? lim.pids;
  if (pids) f.pidsLimit = String(pids);
  for (const [k, u] of Object.entries(svc.ulimits ?? {})) f.ulimit.push(typeof u === 'number' ? `${k}=${u}` : `${k}=${u.soft}:${u.hard}`);
  for (const [k, v] of Object.entries(svc.sysctls ?? {})) f.sysctl.push(`${k}=${v}`);
  if (svc.oom_score_adj !== undefined) f.oomScoreAdj = String(svc.oom_score_adj);
}

function security(svc: ServiceConfig, f: RunFlags): void {
  f.capAdd = [...(svc.cap_add ?? [])];
  f.capDrop = [...(svc.cap_drop ?? [])];
  f.securityOpt = [...(svc.security_opt ?? [])];
  if (svc.privileged) f.privileged = true;
  if (svc.read_only) f.readOnly = true;
}

function lifecycle(svc: ServiceConfig, f: RunFlags): void {
  if (svc.init) f.init = true;
  if (svc.stop_signal) f.stopSignal = svc.stop_signal;
  if (svc.stop_grace_period) f.stopTimeout = String(Math.ceil(parseDurationMs(svc.stop_grace_period, 'stop_grace_period') / 1000));
  const h = svc.healthcheck;
  if (h?.test?.length) f.healthTest = h.test;
  if (h?.interval) f.healthInterval = h.interval;
  if (h?.timeout) f.healthTimeout = h.timeout;
  if (h?.start_period) f.healthStartPeriod = h.start_period;
  if (h?.retries !== undefined) f.healthRetries = String(h.retries);
}

function mounts(p: Project, service: string, svc: ServiceConfig, f: RunFlags): void {
  for (const v of svc.volumes ?? []) {
    const ro = v.read_only ? ',readonly' : '';
    if (v.type === 'volume') {
      const real = v.source ? p.volumes[v.source]?.name : undefined;
      f.mount.push(`type=volume,${real ? `source=${real},` : ''}target=${v.target}${ro}`);
    } else if (v.type === 'bind') {
      if (!v.source) throw configError(`service ${service}: a bind mount of ${v.target} needs a source`);
      f.mount.push(`type=bind,source=${v.source},target=${v.target}${ro}${v.bind?.propagation ? `,bind-propagation=${v.bind.propagation}` : ''}`);
    } else if (v.type === 'tmpfs') {
      f.mount.push(`type=tmpfs,target=${v.target}${v.tmpfs?.size ? `,tmpfs-size=${v.tmpfs.size}` : ''}${v.tmpfs?.mode ? `,tmpfs-mode=${v.tmpfs.mode.toString(8)}` : ''}`);
    } else throw configError(`service ${service}: volume type ${v.type} is not supported by berth`);
  }
  f.tmpfs = [...(svc.tmpfs ?? [])];
  // shm_size: a /dev/shm of that size over the engine's default one (the engine has no --shm-size).
  if (svc.shm_size) f.mount.push(`type=tmpfs,target=/dev/shm,tmpfs-size=${svc.shm_size},tmpfs-mode=1777`);
  fileMounts(p, service, svc, f);
}

/**
 * `secrets` (at /run/secrets/<target>) and `configs` (at /<target>) from files, bound
 * read-only as docker compose does without swarm; uid/gid/mode cannot apply to a bind.
 */
function fileMounts(p: Project, service: string, svc: ServiceConfig, f: RunFlags): void {
  for (const kind of ['secrets', 'configs'] as const) {
    const top = (p.model[kind] ?? {}) as Record<string, { file?: string; external?: boolean; environment?: string; content?: string }>;
    for (const e of (svc[kind] ?? []) as { source: string; target?: string }[]) {
      const def = top[e.source];
      const what = kind === 'secrets' ? 'secret' : 'config';
      if (!def) throw configError(`service "${service}" refers to undefined ${what} ${e.source}: invalid compose project`);
      if (typeof def.file !== 'string') throw configError(`${what} ${e.source}: berth compose takes ${kind} from files only (file:)`);
      const t = e.target ?? e.source;
      const target = t.startsWith('/') ? t : kind === 'secrets' ? `/run/secrets/${t}` : `/${t}`;
      f.mount.push(`type=bind,source=${def.file},target=${target},readonly`);
    }
  }
}

/** The primary network goes in the flags; the others come back to be connected before the start. */
function networking(p: Project, service: string, svc: ServiceConfig, f: RunFlags, noPorts: boolean): Connect[] {
  f.publish = noPorts ? [] : (svc.ports ?? []).map(publishFlag);
  f.expose = [...(svc.expose ?? [])];
  f.dns = [...(svc.dns ?? [])];
  f.dnsSearch = [...(svc.dns_search ?? [])];
  f.dnsOption = [...(svc.dns_opt ?? [])];
  f.addHost = (svc.extra_hosts ?? []).map((h) => h.replace('=', ':'));
  if (svc.network_mode) {
    const m = svc.network_mode;
    f.network = m.startsWith('service:') ? `container:${containerName(p, m.slice(8), 1)}` : m;
    return [];
  }
  const nets = orderedNetworks(svc);
  const connect: Connect[] = nets.map(([key, cfg]) => ({
    network: p.networks[key].name,
    aliases: [...new Set([service, ...(cfg?.aliases ?? [])])],
    ...(cfg?.ipv4_address ? { ip: cfg.ipv4_address } : {}),
  }));
  const first = connect.shift();
  if (first) {
    f.network = first.network;
    f.networkAlias = first.aliases;
    if (first.ip) f.ip = first.ip;
  }
  return connect;
}

/**
 * Docker's container create body (Config + HostConfig + NetworkingConfig, PascalCase) ->
 * the engine's CreateRequest, i.e. the same RunFlags the CLI's `run`/`create` flags become,
 * so the engine validates and merges both alike. Zero values mean "not set", as dockerd
 * reads them; fields berth cannot honour come back as create warnings.
 */
import type { CreateRequest } from '../engine/createContainer.js';
import { emptyRunFlags, type RunFlags } from '../engine/runFlags.js';
import { badRequest } from './errors.js';

type Obj = Record<string, unknown>;

export interface CreateBody extends Obj {
  Image?: string;
  Cmd?: string[] | string | null;
  Entrypoint?: string[] | string | null;
  HostConfig?: Obj;
  NetworkingConfig?: { EndpointsConfig?: Record<string, Obj> };
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${field}: expected a list of strings`);
  return v as string[];
}

function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest(`${field}: expected a string`);
  return v;
}

function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${field}: expected a number`);
  return v;
}

/** A positive number as the flag string the engine parses; 0 and absent are "unset". */
const pos = (v: unknown, field: string): string | undefined => {
  const n = num(v, field);
  return n ? String(n) : undefined;
};

function map(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw badRequest(`${field}: expected an object`);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

/** Mounts: Docker's objects -> `--mount` strings (commas would split a field: refused). */
function mountFlag(m: unknown): string {
  if (!isObj(m)) throw badRequest('HostConfig.Mounts: expected objects');
  const parts = [`type=${str(m.Type, 'Mount.Type') ?? 'volume'}`];
  const add = (k: string, v: string | undefined) => {
    if (v === undefined) return;
    if (v.includes(',')) throw badRequest(`Mount.${k}: a comma is not supported in "${v}"`);
    parts.push(`${k}=${v}`);
  };
  add('source', str(m.Source, 'Mount.Source'));
  add('target', str(m.Target, 'Mount.Target'));
  if (m.ReadOnly === true) parts.push('readonly');
  const bind = isObj(m.BindOptions) ? m.BindOptions : {};
  add('bind-propagation', str(bind.Propagation, 'Mount.BindOptions.Propagation'));
  const vol = isObj(m.VolumeOptions) ? m.VolumeOptions : {};
  if (vol.NoCopy === true) parts.push('volume-nocopy');
  const tmp = isObj(m.TmpfsOptions) ? m.TmpfsOptions : {};
  add('tmpfs-size', pos(tmp.SizeBytes, 'Mount.TmpfsOptions.SizeBytes'));
  const mode = num(tmp.Mode, 'Mount.TmpfsOptions.Mode');
  if (mode) add('tmpfs-mode', mode.toString(8));
  return parts.join(',');
}

/** PortBindings -> `-p` strings: `[ip:]hostPort:containerPort/proto`, an empty HostPort picks one. */
function publishFlags(pb: unknown): string[] {
  if (pb === undefined || pb === null) return [];
  if (!isObj(pb)) throw badRequest('HostConfig.PortBindings: expected an object');
  const out: string[] = [];
  for (const [port, binds] of Object.entries(pb)) {
    const list = Array.isArray(binds) && binds.length ? binds : [{}];
    for (const b of list) {
      const ip = isObj(b) ? str(b.HostIp, 'HostIp') : undefined;
      const hp = isObj(b) ? str(b.HostPort, 'HostPort') : undefined;
      const host = ip ? `${ip.includes(':') ? `[${ip}]` : ip}:${hp ?? ''}:` : hp ? `${hp}:` : '';
      out.push(`${host}${port}`);
    }
  }
  return out;
}

function healthFlags(f: RunFlags, h: unknown): void {
  if (!isObj(h)) return;
  const test = strings(h.Test, 'Healthcheck.Test');
  if (test.length) {
    if (test[0] === 'NONE') f.noHealthcheck = true;
    else f.healthTest = test;
  }
  const ns = (v: unknown, k: string) => {
    const n = num(v, `Healthcheck.${k}`);
    return n ? `${n}ns` : undefined;
  };
  f.healthInterval = ns(h.Interval, 'Interval');
  f.healthTimeout = ns(h.Timeout, 'Timeout');
  f.healthStartPeriod = ns(h.StartPeriod, 'StartPeriod');
  f.healthRetries = pos(h.Retries, 'Healthcheck.Retries');
}

function restartFlag(rp: unknown): string | undefined {
  if (!isObj(rp)) return undefined;
  const name = str(rp.Name, 'RestartPolicy.Name');
  if (!name || name === 'no') return undefined;
  const n = num(rp.MaximumRetryCount, 'RestartPolicy.MaximumRetryCount');
  return name === 'on-failure' && n ? `${name}:${n}` : name;
}

/** `src:dst[:opts]` or a bare `dst` -> dst. */
function bindTarget(b: string): string {
  const parts = b.split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

const cleanPath = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** The create body -> the engine's request; `warnings` gets what berth ignores. */
export function createRequestFrom(body: CreateBody, query: { name?: string; platform?: string }, warnings: string[] = []): CreateRequest {
  if (!isObj(body)) throw badRequest('expected a JSON object');
  const image = str(body.Image, 'Image');
  if (!image) throw badRequest('Config cannot be empty in order to create a container');
  const hc = isObj(body.HostConfig) ? body.HostConfig : {};
  const f: RunFlags = emptyRunFlags();
  f.name = query.name || undefined;
  f.platform = query.platform || undefined;
  f.tty = body.Tty === true;
  f.interactive = body.OpenStdin === true;
  f.detach = body.AttachStdout !== true && body.AttachStderr !== true;
  // "FOO" without a value is the client's to resolve (the docker CLI does); never the server's environment.
  f.env = strings(body.Env, 'Env').filter((e) => e.includes('='));
  f.label = Object.entries(map(body.Labels, 'Labels')).map(([k, v]) => `${k}=${v}`);
  f.user = str(body.User, 'User');
  f.workdir = str(body.WorkingDir, 'WorkingDir');
  f.hostname = str(body.Hostname, 'Hostname');
  f.macAddress = str(body.MacAddress, 'MacAddress');
  f.stopSignal = str(body.StopSignal, 'StopSignal');
  const stopTimeout = num(body.StopTimeout, 'StopTimeout');
  if (stopTimeout !== undefined) f.stopTimeout = String(stopTimeout);
  if (body.Entrypoint !== undefined && body.Entrypoint !== null) f.entrypointArgv = strings(body.Entrypoint, 'Entrypoint');
  f.expose = Object.keys(isObj(body.ExposedPorts) ? body.ExposedPorts : {});
  healthFlags(f, body.Healthcheck);
  const binds = strings(hc.Binds, 'HostConfig.Binds');
  const mounts = Array.isArray(hc.Mounts) ? hc.Mounts : [];
  // dockerd: a Binds or Mounts entry at a path wins over Config.Volumes' anonymous volume there
  // (docker-compose and docker-py send both for every bind).
  const taken = new Set([...binds.map(bindTarget), ...mounts.map((m) => (isObj(m) && typeof m.Target === 'string' ? m.Target : ''))].map(cleanPath));
  f.volume = [...binds, ...Object.keys(isObj(body.Volumes) ? body.Volumes : {}).filter((d) => !taken.has(cleanPath(d)))];
  f.mount = mounts.map(mountFlag);
  f.tmpfs = Object.entries(map(hc.Tmpfs, 'HostConfig.Tmpfs')).map(([d, o]) => (o ? `${d}:${o}` : d));
  f.publish = publishFlags(hc.PortBindings);
  f.publishAll = hc.PublishAllPorts === true;
  f.memory = pos(hc.Memory, 'HostConfig.Memory');
  const swap = num(hc.MemorySwap, 'HostConfig.MemorySwap');
  if (swap) f.memorySwap = String(swap);
  f.memoryReservation = pos(hc.MemoryReservation, 'HostConfig.MemoryReservation');
  const nano = num(hc.NanoCpus, 'HostConfig.NanoCpus');
  if (nano) f.cpus = String(nano / 1e9);
  f.cpuShares = pos(hc.CpuShares, 'HostConfig.CpuShares');
  f.cpuQuota = pos(hc.CpuQuota, 'HostConfig.CpuQuota');
  f.cpuPeriod = pos(hc.CpuPeriod, 'HostConfig.CpuPeriod');
  f.cpusetCpus = str(hc.CpusetCpus, 'HostConfig.CpusetCpus');
  f.cpusetMems = str(hc.CpusetMems, 'HostConfig.CpusetMems');
  const pids = num(hc.PidsLimit, 'HostConfig.PidsLimit');
  if (pids && pids > 0) f.pidsLimit = String(pids);
  f.blkioWeight = pos(hc.BlkioWeight, 'HostConfig.BlkioWeight');
  const swappiness = num(hc.MemorySwappiness, 'HostConfig.MemorySwappiness');
  if (swappiness !== undefined && swappiness >= 0) f.memorySwappiness = String(swappiness);
  if (hc.OomKillDisable === true) f.oomKillDisable = true;
  const oom = num(hc.OomScoreAdj, 'HostConfig.OomScoreAdj');
  if (oom) f.oomScoreAdj = String(oom);
  f.cgroupParent = str(hc.CgroupParent, 'HostConfig.CgroupParent');
  f.restart = restartFlag(hc.RestartPolicy);
  f.rm = hc.AutoRemove === true;
  const net = str(hc.NetworkMode, 'HostConfig.NetworkMode');
  f.network = net && net !== 'default' ? net : undefined;
  f.capAdd = strings(hc.CapAdd, 'HostConfig.CapAdd');
  f.capDrop = strings(hc.CapDrop, 'HostConfig.CapDrop');
  f.privileged = hc.Privileged === true;
  f.readOnly = hc.ReadonlyRootfs === true;
  f.securityOpt = strings(hc.SecurityOpt, 'HostConfig.SecurityOpt');
  f.addHost = strings(hc.ExtraHosts, 'HostConfig.ExtraHosts');
  f.dns = strings(hc.Dns, 'HostConfig.Dns');
  f.dnsSearch = strings(hc.DnsSearch, 'HostConfig.DnsSearch');
  f.dnsOption = strings(hc.DnsOptions, 'HostConfig.DnsOptions');
  f.init = hc.Init === true;
  f.ulimit = (Array.isArray(hc.Ulimits) ? hc.Ulimits : []).map((u) => {
    if (!isObj(u)) throw badRequest('HostConfig.Ulimits: expected objects');
    return `${str(u.Name, 'Ulimit.Name')}=${num(u.Soft, 'Ulimit.Soft') ?? 0}:${num(u.Hard, 'Ulimit.Hard') ?? 0}`;
  });
  f.sysctl = Object.entries(map(hc.Sysctls, 'HostConfig.Sysctls')).map(([k, v]) => `${k}=${v}`);
  f.device = (Array.isArray(hc.Devices) ? hc.Devices : []).map((d) => {
    if (!isObj(d)) throw badRequest('HostConfig.Devices: expected objects');
    const host = str(d.PathOnHost, 'Device.PathOnHost') ?? '';
    return `${host}:${str(d.PathInContainer, 'Device.PathInContainer') ?? host}:${str(d.CgroupPermissions, 'Device.CgroupPermissions') ?? 'rwm'}`;
  });
  f.deviceCgroupRule = strings(hc.DeviceCgroupRules, 'HostConfig.DeviceCgroupRules');
  f.volumesFrom = strings(hc.VolumesFrom, 'HostConfig.VolumesFrom');
  f.link = strings(hc.Links, 'HostConfig.Links');
  f.pid = str(hc.PidMode, 'HostConfig.PidMode');
  f.ipc = str(hc.IpcMode, 'HostConfig.IpcMode');
  f.uts = str(hc.UTSMode, 'HostConfig.UTSMode');
  f.cgroupns = str(hc.CgroupnsMode, 'HostConfig.CgroupnsMode');
  f.userns = str(hc.UsernsMode, 'HostConfig.UsernsMode');
  const log = isObj(hc.LogConfig) ? hc.LogConfig : {};
  f.logDriver = str(log.Type, 'LogConfig.Type');
  f.logOpt = Object.entries(map(log.Config, 'LogConfig.Config')).map(([k, v]) => `${k}=${v}`);
  f.shmSize = pos(hc.ShmSize, 'HostConfig.ShmSize');
  f.consoleSize = consoleSize(hc.ConsoleSize);
  endpointFlags(f, body.NetworkingConfig);
  const cmd = body.Cmd === undefined || body.Cmd === null ? [] : strings(body.Cmd, 'Cmd');
  return { image, command: cmd, flags: f };
}

/** HostConfig.ConsoleSize: [height, width] (the docker CLI sends its terminal's); [0, 0] is unset. */
function consoleSize(v: unknown): [number, number] | undefined {
  if (v === undefined || v === null) return undefined;
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
  if (!Array.isArray(v) || v.length !== 2 || !ok(v[0]) || !ok(v[1])) throw badRequest('HostConfig.ConsoleSize: expected [height, width]');
  return v[0] && v[1] ? [v[0], v[1]] : undefined;
}

/** NetworkingConfig.EndpointsConfig[net]: aliases and a fixed address (`--network-alias`, `--ip`). */
function endpointFlags(f: RunFlags, nc: CreateBody['NetworkingConfig']): void {
  const eps = isObj(nc) && isObj(nc.EndpointsConfig) ? nc.EndpointsConfig : {};
  for (const [name, ep] of Object.entries(eps)) {
    if (!isObj(ep)) continue;
    if (!f.network && name !== 'default' && name !== 'bridge') f.network = name;
    const aliases = strings(ep.Aliases, 'EndpointSettings.Aliases');
    if (aliases.length) f.networkAlias = [...(f.networkAlias ?? []), ...aliases];
    const ipam = isObj(ep.IPAMConfig) ? ep.IPAMConfig : {};
    f.ip = str(ipam.IPv4Address, 'IPAMConfig.IPv4Address') ?? f.ip;
  }
}

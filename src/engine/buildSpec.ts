/**
 * A container record -> the OCI config.json the runtime runs. Pure: everything read
 * from the host (user database, device numbers, capability bounding set, seccomp
 * profile file) comes in through `SpecInputs`.
 */
import { invalidArgument } from '../errors.js';
import { DEFAULT_DEVICE_NODES, DEFAULT_DEVICE_SYMLINKS } from '../runtime/deviceDefaults.js';
import { containerSecurity } from '../runtime/securityDefaults.js';
import type { HostDevice } from '../sys/hostDevices.js';
import type { Mount, Spec } from '../runtime/spec.js';
import { parseDeviceCgroupRule, ULIMIT_RESOURCES } from './parseFlags.js';
import { blockIoTunables, memoryTunables } from './resourceFlags.js';
import { modeNamespaces, shmMounts, type JoinedNamespaces } from './namespaceModes.js';
import type { ContainerRecord } from './types.js';
import { sysfsForForeignNetns, usernsSpec, type UsernsConfig } from './userns.js';

export interface DeviceInfo { type: 'c' | 'b'; major: number; minor: number; mode: number }

export interface SpecInputs {
  /** Absolute path of the (empty) directory the overlay is mounted on. */
  rootfs: string;
  /** The helper binary, bind-mounted at INIT_PATH for --init. */
  initBinary?: string;
  /** A network namespace to join (a bridged container's persistent one, or container:<x>'s). */
  netnsPath?: string;
  /** Files bind-mounted into /etc (hostname, hosts, resolv.conf), when present. */
  etcFiles: Record<string, string>;
  /** `home`: the user's passwd entry's, for HOME (records started before it was kept: /root for uid 0, else /). */
  user: { uid: number; gid: number; additionalGids: number[]; home?: string };
  hostBounding?: bigint;
  seccompProfile?: unknown;
  device(path: string): DeviceInfo;
  /** --userns remap/auto: the container's mapping (a new user namespace). */
  userns?: UsernsConfig;
  /** container:<x> pid/ipc modes: that container's namespaces and /dev/shm (engine/joinedNamespaces.ts). */
  joined?: JoinedNamespaces;
  /** `--ipc shareable`: the host directory that is its /dev/shm. */
  shmDir?: string;
  /** --privileged: the host's device nodes (src/sys/hostDevices.ts), made in the container's /dev at start. */
  hostDevices?: HostDevice[];
}

/** Where `--init` puts the helper (in init mode) inside the container. */
export const INIT_PATH = '/sbin/berth-init';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The process environment as Docker builds it: PATH default, HOSTNAME, TERM for a tty, then Config.Env; HOME last when unset (runc's, from the user's passwd entry). */
export function processEnv(rec: ContainerRecord, home?: string): string[] {
  const env = [...rec.Config.Env];
  const has = (k: string) => env.some((e) => e.split('=')[0] === k);
  const pre: string[] = [];
  if (!has('PATH')) pre.push(`PATH=${DEFAULT_PATH}`);
  if (!has('HOSTNAME')) pre.push(`HOSTNAME=${rec.Config.Hostname}`);
  if (rec.Config.Tty && !has('TERM')) pre.push('TERM=xterm');
  return [...pre, ...env, ...(home !== undefined && !has('HOME') ? [`HOME=${home}`] : [])];
}

/** --shm-size: the private /dev/shm tmpfs at that size (a shared or host one keeps its own). */
function withShmSize(mounts: Mount[], size: number | undefined): Mount[] {
  if (!size) return mounts;
  return mounts.map((m) => (m.destination === '/dev/shm' && m.type === 'tmpfs' ? { ...m, options: [...(m.options ?? []).filter((o) => !o.startsWith('size=')), `size=${size}`] } : m));
}

export function buildSpec(rec: ContainerRecord, i: SpecInputs): Spec {
  const hc = rec.HostConfig;
  const sec = containerSecurity({
    privileged: hc.Privileged, capAdd: hc.CapAdd ?? [], capDrop: hc.CapDrop ?? [], securityOpt: hc.SecurityOpt ?? [],
    readOnly: hc.ReadonlyRootfs, hostBounding: i.hostBounding, seccompProfile: i.seccompProfile, uid: i.user.uid,
  });
  const defaults = withShmSize(shmMounts(sec.mounts, hc, i.joined ?? {}, i.shmDir ?? ''), hc.ShmSize);
  const args = rec.HostConfig.Init ? [INIT_PATH, '--', rec.Path, ...rec.Args] : [rec.Path, ...rec.Args];
  const spec: Spec = {
    ociVersion: '1.2.0',
    process: {
      terminal: rec.Config.Tty,
      ...(rec.Config.Tty && hc.ConsoleSize ? { consoleSize: { height: hc.ConsoleSize[0], width: hc.ConsoleSize[1] } } : {}),
      user: { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids.length ? { additionalGids: i.user.additionalGids } : {}) },
      args,
      env: processEnv(rec, i.user.home ?? (i.user.uid === 0 ? '/root' : '/')),
      cwd: rec.Config.WorkingDir || '/',
      capabilities: sec.capabilities,
      noNewPrivileges: sec.noNewPrivileges,
      ...(hc.OomScoreAdj ? { oomScoreAdj: hc.OomScoreAdj } : {}),
      ...(hc.Ulimits?.length ? { rlimits: hc.Ulimits.map((u) => ({ type: ULIMIT_RESOURCES[u.Name], soft: u.Soft, hard: u.Hard })) } : {}),
    },
    root: { path: i.rootfs, readonly: sec.readonlyRootfs },
    // A joined UTS namespace (a pod's) keeps the hostname its owner set.
    ...(hc.UTSMode?.startsWith('container:') ? {} : { hostname: rec.Config.Hostname }),
    mounts: i.userns && (hc.NetworkMode === 'host' || i.netnsPath) ? sysfsForForeignNetns([...defaults, ...userMounts(rec, i)]) : [...defaults, ...userMounts(rec, i)],
    annotations: { 'org.opencontainers.image.ref': rec.Config.Image, 'berth.container.name': rec.Name.replace(/^\//, '') },
    linux: {
      namespaces: [
        ...modeNamespaces(hc, i.joined ?? {}),
        ...(hc.NetworkMode === 'host' ? [] : [{ type: 'network', ...(i.netnsPath ? { path: i.netnsPath } : {}) }]),
        { type: 'mount' }, ...usernsSpec(i.userns).namespaces,
      ],
      ...(i.userns ? { uidMappings: i.userns.uidMappings, gidMappings: i.userns.gidMappings } : {}),
      maskedPaths: sec.maskedPaths,
      readonlyPaths: sec.readonlyPaths,
      resources: resources(rec, i, sec.deviceRules as unknown as Record<string, unknown>[]),
      ...(hc.Devices.length || (hc.Privileged && i.hostDevices?.length) ? { devices: [...(hc.Privileged ? privilegedDevices(i.hostDevices ?? []) : []), ...hc.Devices.map((d) => deviceNode(d.PathInContainer, i.device(d.PathOnHost)))] } : {}),
      ...(hc.Sysctls && Object.keys(hc.Sysctls).length ? { sysctl: hc.Sysctls } : {}),
      ...(sec.seccomp ? { seccomp: sec.seccomp as unknown as Record<string, unknown> } : {}),
      cgroupsPath: hc.CgroupParent ? `${hc.CgroupParent.replace(/^\/+|\/+$/g, '')}/${rec.Id}` : `berth/${rec.Id}`,
    },
  };
  if (hc.Privileged) spec.linux!.maskedPaths = [];
  return spec;
}

/** Docker's --privileged /dev: every host node, but the container's own null..tty, ptmx (its devpts') and the /dev symlinks. */
function privilegedDevices(host: HostDevice[]) {
  const own = new Set([...DEFAULT_DEVICE_NODES.map((d) => d.path), ...DEFAULT_DEVICE_SYMLINKS.map(([, link]) => link)]);
  return host.filter((d) => !own.has(d.path)).map((d) => ({ path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid }));
}

function deviceNode(p: string, d: DeviceInfo) {
  return { path: p, type: d.type, major: d.major, minor: d.minor, fileMode: d.mode & 0o777, uid: 0, gid: 0 };
}

function userMounts(rec: ContainerRecord, i: SpecInputs): Mount[] {
  const out: Mount[] = [];
  const dests = new Set(rec.Mounts.map((m) => m.Destination));
  for (const [name, src] of Object.entries(i.etcFiles)) {
    const dest = `/etc/${name}`;
    if (!dests.has(dest)) out.push({ destination: dest, type: 'bind', source: src, options: ['rbind', 'rprivate'] });
  }
  if (rec.HostConfig.Init && i.initBinary) out.push({ destination: INIT_PATH, type: 'bind', source: i.initBinary, options: ['bind', 'ro', 'rprivate'] });
  for (const [dest, opts] of Object.entries(rec.HostConfig.Tmpfs ?? {})) {
    out.push({ destination: dest, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])] });
  }
  for (const m of rec.Mounts) {
    if (m.Type === 'tmpfs') {
      out.push({ destination: m.Destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(m.Options ?? []), ...(m.RW ? [] : ['ro'])] });
      continue;
    }
    if (!m.Source) throw invalidArgument(`mount ${m.Destination}: no source resolved`);
    out.push({ destination: m.Destination, type: 'bind', source: m.Source, options: ['rbind', m.Propagation || 'rprivate', ...(m.RW ? [] : ['ro'])] });
  }
  return out;
}

function resources(rec: ContainerRecord, i: SpecInputs, deviceRules: Record<string, unknown>[]): Record<string, unknown> {
  const hc = rec.HostConfig;
  const r: Record<string, unknown> = { devices: [...deviceRules] };
  for (const rule of hc.DeviceCgroupRules ?? []) {
    const { major, minor, ...rest } = parseDeviceCgroupRule(rule);
    // OCI: an absent major/minor is any (`*`)
    (r.devices as unknown[]).push({ ...rest, ...(major >= 0 ? { major } : {}), ...(minor >= 0 ? { minor } : {}) });
  }
  for (const d of hc.Devices) {
    const info = i.device(d.PathOnHost);
    (r.devices as unknown[]).push({ allow: true, type: info.type, major: info.major, minor: info.minor, access: d.CgroupPermissions });
  }
  const mem: Record<string, number | boolean> = { ...memoryTunables(hc) };
  if (hc.Memory > 0) mem.limit = hc.Memory;
  if (hc.MemoryReservation > 0) mem.reservation = hc.MemoryReservation;
  if (hc.MemorySwap !== 0) mem.swap = hc.MemorySwap;
  if (Object.keys(mem).length) r.memory = mem;
  const cpu: Record<string, unknown> = {};
  if (hc.NanoCpus > 0) {
    cpu.period = 100000;
    cpu.quota = Math.round((hc.NanoCpus * 100000) / 1e9);
  } else {
    if (hc.CpuQuota) cpu.quota = hc.CpuQuota;
    if (hc.CpuPeriod) cpu.period = hc.CpuPeriod;
  }
  if (hc.CpuShares > 0) cpu.shares = hc.CpuShares;
  if (hc.CpusetCpus) cpu.cpus = hc.CpusetCpus;
  if (hc.CpusetMems) cpu.mems = hc.CpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (hc.PidsLimit !== null && hc.PidsLimit !== 0) r.pids = { limit: hc.PidsLimit };
  const throttle = (l: { Path: string; Rate: number }[] | null) => (l ?? []).map((t) => {
    const d = i.device(t.Path);
    return { major: d.major, minor: d.minor, rate: t.Rate };
  });
  const rd = throttle(hc.BlkioDeviceReadBps);
  const wr = throttle(hc.BlkioDeviceWriteBps);
  const bio = { ...blockIoTunables(hc, i.device), ...(rd.length ? { throttleReadBpsDevice: rd } : {}), ...(wr.length ? { throttleWriteBpsDevice: wr } : {}) };
  if (Object.keys(bio).length) r.blockIO = bio;
  return r;
}

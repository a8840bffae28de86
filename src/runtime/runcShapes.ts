/**
 * The JSON that runc prints and containerd's shim (go-runc) parses: `state`, `events --stats`,
 * `ps --format json`, `features`. Pure: each takes berth's own records.
 */
import type { CgroupStats } from './cgroups/types.js';
import type { OciState, StoredState } from './state.js';

export interface RuncState {
  ociVersion: string;
  id: string;
  pid: number;
  status: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** runc's `state`: pid 0 once stopped, `paused` for a frozen cgroup, rootfs, created, owner. */
export function runcState(oci: OciState, stored: StoredState | undefined, frozen: boolean): RuncState {
  const running = oci.status === 'running' || oci.status === 'created';
  const out: RuncState = {
    ociVersion: oci.ociVersion, id: oci.id, pid: running ? oci.pid ?? 0 : 0,
    status: running && frozen ? 'paused' : oci.status,
    bundle: oci.bundle, rootfs: stored?.rootfs ?? '', created: stored?.created ?? '', owner: '',
  };
  if (oci.annotations) out.annotations = oci.annotations;
  return out;
}

/** runc's `events --stats` record (libcontainer's types.Stats, the fields berth reads). */
export function runcStats(id: string, s: CgroupStats): { type: 'stats'; id: string; data: Record<string, unknown> } {
  const usage = (u: number, limit: number | null, max: number | null, failcnt: number | null) => ({
    usage: u, max: max ?? 0, failcnt: failcnt ?? 0, limit: limit ?? 0,
  });
  return {
    type: 'stats', id, data: {
      cpu: {
        usage: { total: s.cpu.usageNs, percpu: [], kernel: s.cpu.systemNs, user: s.cpu.userNs },
        throttling: { periods: s.cpu.periods, throttledPeriods: s.cpu.throttledPeriods, throttledTime: s.cpu.throttledNs },
      },
      memory: {
        usage: usage(s.memory.usage, s.memory.limit, s.memory.maxUsage, s.memory.failcnt),
        swap: usage(0, null, null, null), kernel: usage(0, null, null, null), kernelTCP: usage(0, null, null, null),
        cache: s.memory.cache, raw: { inactive_file: s.memory.inactiveFile },
      },
      pids: { current: s.pids.current, limit: s.pids.limit ?? 0 },
      blkio: {
        ioServiceBytesRecursive: [
          { major: 0, minor: 0, op: 'Read', value: s.blkio.readBytes },
          { major: 0, minor: 0, op: 'Write', value: s.blkio.writeBytes },
        ],
      },
      hugetlb: {}, intel_rdt: {}, network_interfaces: null,
    },
  };
}

const HOOKS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
const NAMESPACES = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'];
const MOUNT_OPTIONS = [
  'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'lazytime', 'mand', 'noatime', 'nodev',
  'nodiratime', 'noexec', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'nosymfollow', 'private',
  'rbind', 'relatime', 'remount', 'ro', 'rprivate', 'rshared', 'rslave', 'runbindable', 'rw', 'shared', 'silent', 'slave',
  'strictatime', 'suid', 'symfollow', 'sync', 'unbindable',
];

/** runc's `features` (runtime-spec features.md). */
export function runcFeatures(o: { version: string; capabilities: string[]; apparmor: boolean }): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.2.0',
    hooks: HOOKS,
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: NAMESPACES,
      capabilities: o.capabilities,
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: true, actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'] },
      apparmor: { enabled: o.apparmor },
      selinux: { enabled: false },
    },
    annotations: { 'org.opencontainers.runc.version': o.version, 'io.github.berth.runtime': 'berth-runtime' },
  };
}

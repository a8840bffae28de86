/**
 * Docker's security defaults for a container's filesystem and devices: masked
 * and read-only /proc and /sys paths, the default device nodes and the devices
 * cgroup allow list. `--privileged` turns them off, as in Docker.
 */

/** Paths hidden from the container (/dev/null over files, an empty read-only tmpfs over dirs). */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Paths bind-mounted read-only over themselves. */
export const READONLY_PATHS: readonly string[] = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

/** OCI `linux.devices` entry. */
export interface DeviceNode {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

const chr = (path: string, major: number, minor: number): DeviceNode => ({ path, type: 'c', major, minor, fileMode: 0o666, uid: 0, gid: 0 });

/** Device nodes created in a fresh /dev (null, zero, full, random, urandom, tty). */
export const DEFAULT_DEVICE_NODES: readonly DeviceNode[] = [
  chr('/dev/null', 1, 3), chr('/dev/zero', 1, 5), chr('/dev/full', 1, 7),
  chr('/dev/random', 1, 8), chr('/dev/urandom', 1, 9), chr('/dev/tty', 5, 0),
];

/** Symlinks in a fresh /dev: [target, link]. /dev/ptmx points into the container's own devpts. */
export const DEFAULT_DEVICE_SYMLINKS: readonly (readonly [string, string])[] = [
  ['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'], ['pts/ptmx', '/dev/ptmx'],
];

/** OCI `linux.resources.devices` entry (a devices cgroup rule). */
export interface DeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access: string;
}

const allowChr = (major: number | undefined, minor: number | undefined, access = 'rwm'): DeviceRule =>
  ({ allow: true, type: 'c', ...(major === undefined ? {} : { major }), ...(minor === undefined ? {} : { minor }), access });

/**
 * Docker's (runc's) default devices cgroup: deny everything, then allow mknod of
 * any node (`c *:* m`, `b *:* m`: creating is harmless, opening is what counts),
 * and read/write of null, zero, full, random, urandom, tty, console, ptmx and
 * the pty slaves (/dev/pts, major 136).
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { allow: false, access: 'rwm' },
  allowChr(undefined, undefined, 'm'),
  { allow: true, type: 'b', access: 'm' },
  allowChr(1, 3), allowChr(1, 5), allowChr(1, 7), allowChr(1, 8), allowChr(1, 9),
  allowChr(5, 0), allowChr(5, 1), allowChr(5, 2),
  allowChr(136, undefined),
];

/** --privileged: every device. */
export const PRIVILEGED_DEVICE_RULES: readonly DeviceRule[] = [{ allow: true, type: 'a', access: 'rwm' }];

/** A rule as cgroup v1 devices.allow/devices.deny reads it: "c 1:3 rwm", "a *:* rwm". */
export function deviceRuleLine(r: DeviceRule): string {
  const n = (v: number | undefined) => (v === undefined || v < 0 ? '*' : String(v));
  return `${r.type ?? 'a'} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/** Docker's default mounts (OCI `mounts`); /sys is read-only unless privileged. */
export function defaultMounts(opts: { privileged?: boolean } = {}): { destination: string; type: string; source: string; options: string[] }[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', opts.privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', opts.privileged ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  ];
}

export interface PathDefaults {
  maskedPaths: string[];
  readonlyPaths: string[];
  deviceRules: DeviceRule[];
}

/** The path and device defaults for a container; privileged containers get none of the restrictions. */
export function securityPaths(opts: { privileged?: boolean } = {}): PathDefaults {
  if (opts.privileged) return { maskedPaths: [], readonlyPaths: [], deviceRules: [...PRIVILEGED_DEVICE_RULES] };
  return { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS], deviceRules: [...DEFAULT_DEVICE_RULES] };
}

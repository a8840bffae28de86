/**
 * Devices every container gets: the nodes and symlinks of a fresh /dev, and Docker's devices
 * cgroup allow list. Kept apart from securityDefaults so the runtime's start path need not
 * load the security policy (capabilities, seccomp profiles).
 */

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

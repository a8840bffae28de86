import path from 'node:path';
import { failedPrecondition } from '../../errors.js';
import { hostCgroupFs, type CgroupFs } from '../../sys/cgroupfs.js';
import type { CgroupMode } from './types.js';

/** Where each controller lives on this host. */
export interface CgroupLayout {
  mode: CgroupMode;
  /** The cgroup root directory (normally /sys/fs/cgroup). */
  root: string;
  /** v1 controller -> its hierarchy's mount point (co-mounted controllers share one). */
  v1: Record<string, string>;
  /** The cgroup2 mount point, or null. */
  unified: string | null;
  /** Controllers available on the cgroup2 hierarchy (its root's cgroup.controllers). */
  unifiedControllers: string[];
}

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

interface CgroupMount {
  mountPoint: string;
  fsType: 'cgroup' | 'cgroup2';
  superOptions: string[];
}

/** cgroup and cgroup2 mounts from /proc/<pid>/mountinfo text (proc(5)). */
export function parseCgroupMounts(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fsType, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if ((fsType !== 'cgroup' && fsType !== 'cgroup2') || left.length < 5) continue;
    const mountPoint = left[4].replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.push({ mountPoint, fsType, superOptions: superOpts.split(',') });
  }
  return out;
}

const NOT_CONTROLLERS = new Set(['rw', 'ro', 'clone_children', 'noprefix', 'xattr', 'cpuset_v2_mode', 'nsdelegate', 'memory_recursiveprot', 'memory_localevents']);

/**
 * Which cgroup layout the host runs: v1, hybrid (v1 controllers plus a cgroup2
 * mount) or unified v2. `root` and `mountinfo` are parameters so tests can point
 * them at fixtures; mounts under /sys/fs/cgroup are rebased onto `root`.
 */
export function detectCgroupLayout(root = DEFAULT_CGROUP_ROOT, mountinfo = '/proc/self/mountinfo', cgfs: CgroupFs = hostCgroupFs): CgroupLayout {
  return layoutFromMountinfo(readMountinfo(mountinfo, cgfs), root, cgfs);
}

export function readMountinfo(mountinfo: string, cgfs: CgroupFs = hostCgroupFs): string {
  const text = cgfs.read(mountinfo);
  if (text === undefined) throw failedPrecondition(`cgroups: cannot read \`${mountinfo}\``);
  return text;
}

/** The cgroup and cgroup2 lines of mountinfo text: what a layout depends on (mount ids included, so a remount counts). */
export function cgroupMountLines(text: string): string {
  return text.split('\n').filter((l) => / - cgroup2? /.test(l)).join('\n');
}

export function layoutFromMountinfo(text: string, root = DEFAULT_CGROUP_ROOT, cgfs: CgroupFs = hostCgroupFs): CgroupLayout {
  const v1: Record<string, string> = {};
  let unified: string | null = null;
  for (const m of parseCgroupMounts(text)) {
    const mp = rebase(m.mountPoint, root);
    if (mp === null) continue;
    if (m.fsType === 'cgroup2') {
      unified ??= mp;
      continue;
    }
    for (const opt of m.superOptions) {
      if (NOT_CONTROLLERS.has(opt) || opt.startsWith('name=') || opt.startsWith('release_agent=')) continue;
      v1[opt] ??= mp;
    }
  }
  const hasV1 = Object.keys(v1).length > 0;
  if (!hasV1 && unified === null) throw failedPrecondition(`cgroups: no cgroup or cgroup2 mount under \`${root}\``, { hint: 'mount cgroupfs on /sys/fs/cgroup' });
  const unifiedControllers = unified === null ? [] : (cgfs.read(path.join(unified, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
  const mode: CgroupMode = !hasV1 ? 'v2' : unified === null ? 'v1' : 'hybrid';
  return { mode, root, v1, unified, unifiedControllers };
}

function rebase(mountPoint: string, root: string): string | null {
  const inside = (dir: string) => mountPoint === dir || mountPoint.startsWith(dir + '/');
  if (inside(root)) return mountPoint;
  if (root !== DEFAULT_CGROUP_ROOT && inside(DEFAULT_CGROUP_ROOT)) {
    return path.join(root, path.relative(DEFAULT_CGROUP_ROOT, mountPoint));
  }
  return null;
}

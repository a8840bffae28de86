/**
 * User namespaces, the policy side (`--userns-remap`-like): which host ids a
 * container's ids map to, and how a rootfs's ownership is shifted to fit
 * (an idmapped mount where the kernel allows it, else a chown'd copy made by
 * src/sys/shiftOwnership.ts; the id arithmetic is src/sys/idMapping.ts). Root in such
 * a container is an unprivileged range on the host.
 */
import { invalidArgument } from '../errors.js';
import type { IdMapping } from '../sys/idMapping.js';

/** One line of /etc/subuid or /etc/subgid: `name-or-uid:start:count`. */
export interface SubIdRange {
  start: number;
  count: number;
}

const MAX_ID = 0xffffffff; // (uid_t)-1 is invalid

/** The ranges /etc/subuid (or /etc/subgid) grants `user` (by name, or by numeric id). */
export function parseSubIds(text: string, user: string, id?: number): SubIdRange[] {
  const out: SubIdRange[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length !== 3) throw invalidArgument(`subordinate id file: line ${i + 1}: expected name:start:count`, { code: 'userns.invalid' });
    if (f[0] !== user && (id === undefined || f[0] !== String(id))) continue;
    const start = Number(f[1]);
    const count = Number(f[2]);
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count <= 0 || start + count - 1 >= MAX_ID) {
      throw invalidArgument(`subordinate id file: line ${i + 1}: bad range ${f[1]}:${f[2]}`, { code: 'userns.invalid' });
    }
    out.push({ start, count });
  }
  return out;
}

/**
 * Docker's --userns-remap: the granted ranges laid end to end from container id 0
 * (root inside = the first subordinate id on the host).
 */
export function remapMappings(ranges: readonly SubIdRange[]): IdMapping[] {
  if (ranges.length === 0) throw invalidArgument('no subordinate ids for the remap user', { code: 'userns.no_ranges', hint: 'add a line to /etc/subuid and /etc/subgid' });
  let next = 0;
  return [...ranges].sort((a, b) => a.start - b.start).map((r) => {
    const m = { containerID: next, hostID: r.start, size: r.count };
    next += r.count;
    return m;
  });
}

/**
 * A per-container block: the `index`-th run of `size` ids inside the granted
 * ranges, mapped from container id 0 (so containers do not share host ids).
 */
export function containerBlock(ranges: readonly SubIdRange[], index: number, size = 65536): IdMapping[] {
  if (!Number.isInteger(index) || index < 0) throw invalidArgument(`userns block index ${index} is not a non-negative integer`, { code: 'userns.invalid' });
  let skip = index * size;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const blocks = Math.floor(r.count / size);
    if (skip < blocks * size) return [{ containerID: 0, hostID: r.start + skip, size }];
    skip -= blocks * size;
  }
  throw invalidArgument(`subordinate ids exhausted: no block ${index} of ${size} ids`, { code: 'userns.exhausted' });
}

/** Checks mappings as the kernel will (no overlap inside or outside, at most 340 lines, no wrap). */
export function validateMappings(maps: readonly IdMapping[], what = 'uid mappings'): void {
  if (maps.length === 0 || maps.length > 340) throw invalidArgument(`${what}: need 1..340 entries, got ${maps.length}`, { code: 'userns.invalid' });
  const bad = (m: IdMapping, why: string) => invalidArgument(`${what}: ${m.containerID} ${m.hostID} ${m.size}: ${why}`, { code: 'userns.invalid' });
  for (const m of maps) {
    for (const v of [m.containerID, m.hostID, m.size]) if (!Number.isInteger(v) || v < 0) throw bad(m, 'not a non-negative integer');
    if (m.size === 0) throw bad(m, 'empty');
    if (m.containerID + m.size - 1 >= MAX_ID || m.hostID + m.size - 1 >= MAX_ID) throw bad(m, 'past the last id');
  }
  const overlaps = (k: 'containerID' | 'hostID') => {
    const s = [...maps].sort((a, b) => a[k] - b[k]);
    for (let i = 1; i < s.length; i++) if (s[i - 1]![k] + s[i - 1]!.size > s[i]![k]) throw bad(s[i]!, `overlaps on the ${k === 'hostID' ? 'host' : 'container'} side`);
  };
  overlaps('containerID');
  overlaps('hostID');
}

/** Kernel release from which each filesystem supports idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP). */
const IDMAP_SINCE: Record<string, string> = {
  ext4: '5.12', xfs: '5.12', vfat: '5.12', btrfs: '5.15', f2fs: '5.18', overlay: '5.19', fuse: '6.12', tmpfs: '6.3', erofs: '6.6',
};

function atLeast(kernel: string, min: string): boolean {
  const a = kernel.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 2; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/**
 * How to make a rootfs fit a container's mapping: an idmapped mount of the
 * unshifted snapshot where the kernel and filesystem allow it, else a chown'd copy.
 */
export function ownershipStrategy(fsType: string, kernelRelease: string): 'idmap' | 'chown' {
  const since = IDMAP_SINCE[fsType];
  return since !== undefined && atLeast(kernelRelease, since) ? 'idmap' : 'chown';
}

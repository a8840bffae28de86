/**
 * Idmapped bind mounts for `--userns` (the `idmap-mount` op of the helper,
 * native/src/idmap.c): each source dir is attached at its target with the mapping's
 * idmapping, so a file owned by X on disk is seen there as owned by X's host id, with
 * no copy and no chown. Plus the filesystem type under a path (for ownershipStrategy).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { failedPrecondition } from '../errors.js';
import { planMapping, type IdMapping } from './idMapping.js';
import { helperPath } from './paths.js';

/** Attach idmapped clones of each `[source, target]` (targets are created); throws FailedPrecondition naming the op and errno. */
export function idmapMount(uidMaps: readonly IdMapping[], gidMaps: readonly IdMapping[], pairs: readonly [string, string][]): void {
  if (pairs.length === 0) return;
  for (const [, dst] of pairs) fs.mkdirSync(dst, { recursive: true, mode: 0o711 });
  const r = spawnSync(helperPath, ['idmap-mount', planMapping(uidMaps), planMapping(gidMaps), ...pairs.flat()], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) throw failedPrecondition(`idmap-mount: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw failedPrecondition((r.stderr || `idmap-mount: exit ${r.status}`).trim().split('\n')[0]);
}

/** The filesystem type of the mount holding `p` (longest mount point prefix in /proc/self/mountinfo). */
export function fsTypeOf(p: string): string {
  const want = fs.realpathSync(p);
  let best = '';
  let type = '';
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const mp = (f[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    const sep = f.indexOf('-');
    if (sep < 0) continue;
    const inside = mp === '/' || want === mp || want.startsWith(mp + path.sep);
    if (inside && mp.length >= best.length) {
      best = mp;
      type = f[sep + 1] ?? '';
    }
  }
  return type;
}

/**
 * Whether an idmapped bind mount works on the filesystem holding `dir` (kernel and
 * filesystem both must allow it): mounts a scratch directory with a shifted mapping,
 * checks the shift is seen, and removes everything again. Root only; false otherwise.
 */
export function probeIdmappedMount(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  const scratch = fs.mkdtempSync(path.join(dir, '.berth-idmap-probe-'));
  const src = path.join(scratch, 'src');
  const dst = path.join(scratch, 'dst');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'f'), '');
  let mounted = false;
  try {
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    idmapMount(map, map, [[src, dst]]);
    mounted = true;
    return fs.statSync(path.join(dst, 'f')).uid === 100000;
  } catch {
    return false;
  } finally {
    if (mounted) spawnSync('umount', ['-l', dst], { stdio: 'ignore' });
    // One by one, never recursively: a mount left behind stays as it is, with its directory.
    for (const rm of [() => fs.unlinkSync(path.join(src, 'f')), () => fs.rmdirSync(src), () => fs.rmdirSync(dst), () => fs.rmdirSync(scratch)]) {
      try { rm(); } catch { /* left for the operator to see */ }
    }
  }
}

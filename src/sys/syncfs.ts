import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { internal } from '../errors.js';

/** statfs(2) f_type of the filesystems with no backing store (nothing to write back). */
const MEMORY_FS = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

/**
 * Write back everything of the filesystems holding `paths` (syncfs(2), through coreutils'
 * `sync -f`, one process for all of them): one flush for a whole unpacked tree instead of
 * an fsync per file. Paths on the same filesystem are flushed once; on tmpfs and ramfs
 * there is nothing to flush (their pages are all there is), so no process is started.
 */
export function syncFilesystems(paths: string[]): void {
  const byDev = new Map<number, string>();
  for (const p of paths) {
    const dev = fs.statSync(p).dev;
    if (byDev.has(dev)) continue;
    if (MEMORY_FS.has(fs.statfsSync(p).type)) byDev.set(dev, '');
    else byDev.set(dev, p);
  }
  for (const [dev, p] of byDev) if (p === '') byDev.delete(dev);
  if (byDev.size === 0) return;
  const r = spawnSync('sync', ['-f', ...byDev.values()], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  if (r.error) throw internal(`sync -f: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw internal(`sync -f: ${(r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`}`);
}

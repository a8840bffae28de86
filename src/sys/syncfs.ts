import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { internal } from '../errors.js';

/**
 * Write back everything of the filesystems holding `paths` (syncfs(2), through coreutils'
 * `sync -f`, one process for all of them): one flush for a whole unpacked tree instead of
 * an fsync per file. Paths on the same filesystem are flushed once.
 */
export function syncFilesystems(paths: string[]): void {
  const byDev = new Map<number, string>();
  for (const p of paths) {
    const dev = fs.statSync(p).dev;
    if (!byDev.has(dev)) byDev.set(dev, p);
  }
  if (byDev.size === 0) return;
  const r = spawnSync('sync', ['-f', ...byDev.values()], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  if (r.error) throw internal(`sync -f: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw internal(`sync -f: ${(r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`}`);
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { unavailable } from '../errors.js';
import { processStartTime } from '../sys/procAlive.js';
import { ownerDead, tryLock, unlock } from './lock.js';

/**
 * Coordination between writers (load, import, commit, pull, snapshot prepare) and the
 * garbage collector. A writer holds a *lease* (a file naming its pid) while it adds
 * content; GC takes `gc.lock` and only sweeps when no live lease exists. Each side
 * publishes its own flag before looking at the other's, so they can never both proceed.
 * Leases and locks of killed processes are ignored and cleaned up.
 */
export function leasesDir(contentDir: string): string {
  return path.join(contentDir, 'leases');
}
export function gcLockFile(contentDir: string): string {
  return path.join(contentDir, 'gc.lock');
}

function gcRunning(contentDir: string): boolean {
  const f = gcLockFile(contentDir);
  return fs.existsSync(f) && !ownerDead(f);
}

async function acquireLease(contentDir: string): Promise<string> {
  const dir = leasesDir(contentDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  for (;;) {
    const tmp = path.join(dir, `.${path.basename(file)}`);
    fs.writeFileSync(tmp, `${process.pid} ${processStartTime(process.pid) ?? ''}\n`);
    fs.renameSync(tmp, file);
    if (!gcRunning(contentDir)) return file;
    fs.rmSync(file, { force: true });
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Run `fn` while holding a lease that keeps GC away. */
export async function withLease<T>(contentDir: string, fn: () => Promise<T>): Promise<T> {
  const file = await acquireLease(contentDir);
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Live leases (removing those of dead processes). */
export function liveLeases(contentDir: string): string[] {
  const dir = leasesDir(contentDir);
  if (!fs.existsSync(dir)) return [];
  const live: string[] = [];
  for (const n of fs.readdirSync(dir)) {
    if (n.startsWith('.')) continue;
    const f = path.join(dir, n);
    if (ownerDead(f)) fs.rmSync(f, { force: true });
    else live.push(f);
  }
  return live;
}

/** Run `fn` with GC exclusivity: no writer holds a lease while it runs. */
export async function withGcLock<T>(contentDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = gcLockFile(contentDir);
  for (let i = 0; ; i++) {
    if (tryLock(lock)) {
      if (liveLeases(contentDir).length === 0) break;
      unlock(lock);
    }
    if (i > 3000) throw unavailable('another berth operation is adding content; try prune again later');
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    return await fn();
  } finally {
    unlock(lock);
  }
}

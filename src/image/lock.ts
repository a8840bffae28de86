import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, unavailable } from '../errors.js';
import { processAlive, processStartTime } from '../sys/procAlive.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function ownerTag(): string {
  return `${process.pid} ${processStartTime(process.pid) ?? ''} ${crypto.randomBytes(6).toString('hex')}\n`;
}

/** True when the lock/lease file's owner process is gone (killed -9, crashed). */
export function ownerDead(file: string): boolean {
  let s: string;
  try {
    s = fs.readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const [pid, start] = s.trim().split(' ');
  return !processAlive(Number(pid), start || undefined);
}

/** Write a file holding our pid + start time, atomically, at a unique temp name. */
function writeOwner(dir: string): string {
  const tmp = path.join(dir, `.owner-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  fs.writeFileSync(tmp, ownerTag());
  return tmp;
}

/** Try once to take `lockFile`; breaks it when its owner is dead. */
export function tryLock(lockFile: string): boolean {
  const tmp = writeOwner(path.dirname(lockFile));
  try {
    fs.linkSync(tmp, lockFile);
    return true;
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    if (ownerDead(lockFile)) {
      const held = fs.readFileSync(lockFile, 'utf8');
      // Only remove it if nobody re-took it meanwhile.
      try {
        if (fs.readFileSync(lockFile, 'utf8') === held) fs.unlinkSync(lockFile);
      } catch {
        /* gone already */
      }
    }
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export function unlock(lockFile: string): void {
  fs.rmSync(lockFile, { force: true });
}

/**
 * Run `fn` holding an exclusive lock file (link(2)-based, so it is atomic; the owner's
 * pid and start time let a later process break the lock of one that was killed).
 */
export function withLockSync<T>(lockFile: string, fn: () => T, what = 'store'): T {
  for (let i = 0; !tryLock(lockFile); i++) {
    if (i > 6000) throw unavailable(`${what} is locked by another berth process (${lockFile})`);
    sleepMs(10);
  }
  try {
    return fn();
  } finally {
    unlock(lockFile);
  }
}

export async function withLock<T>(lockFile: string, fn: () => Promise<T>, what = 'store'): Promise<T> {
  for (let i = 0; !tryLock(lockFile); i++) {
    if (i > 6000) throw unavailable(`${what} is locked by another berth process (${lockFile})`);
    await new Promise((r) => setTimeout(r, 10));
  }
  try {
    return await fn();
  } finally {
    unlock(lockFile);
  }
}

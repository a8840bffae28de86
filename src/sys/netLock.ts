import fs from 'node:fs';
import { errnoCode, unavailable } from '../errors.js';

/**
 * A cross-process lock file: created with O_EXCL, holding the owner's pid.
 * A lock whose owner is gone (crashed berth) is broken by renaming it aside
 * first, so two breakers cannot both remove a fresh lock.
 */
/**
 * Waiting yields to the event loop: a process that holds one lock (say the network store's,
 * while its `ip` child runs) and waits for another (the firewall's) in a second async flow must
 * still see its child finish. A synchronous sleep there deadlocked two processes, each holding
 * the lock the other waited for (20 parallel bridged runs).
 */
function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

function tryCreate(file: string): boolean {
  try {
    const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600);
    fs.writeSync(fd, `${process.pid}\n`);
    fs.closeSync(fd);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw e;
  }
}

function breakIfStale(file: string): void {
  let owner: number;
  try {
    owner = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return; // gone already
  }
  // An empty file is a lock being written right now: not stale.
  if (fs.existsSync(file) && (owner === 0 || Number.isNaN(owner))) return;
  if (alive(owner)) return;
  const aside = `${file}.stale.${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  const now = Number(fs.readFileSync(aside, 'utf8').trim());
  if (now !== owner && alive(now)) {
    // We moved a fresh lock: put it back unless someone took the lock meanwhile.
    try {
      fs.linkSync(aside, file);
    } catch {
      /* the newcomer holds the lock; the moved owner will find its lock gone on release */
    }
  }
  fs.rmSync(aside, { force: true });
}

/** In-process queue per lock file, so async callers in one process never spin on their own lock. */
const queues = new Map<string, Promise<unknown>>();

/** Take the lock (waiting for it), run fn, release. Not re-entrant. */
export function withLockFile<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  const prev = queues.get(file) ?? Promise.resolve();
  const run = prev.then(
    () => holdFileLock(file, fn),
    () => holdFileLock(file, fn),
  );
  const tail = run.catch(() => undefined);
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return run;
}

/** The pid in a lock file, or undefined. */
function ownerOf(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits as long as the lock changes hands (many berth commands queueing on a busy machine is
 * progress); gives up when one live owner has held it for a minute.
 */
async function holdFileLock<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  let waited = 0;
  let owner: number | undefined;
  for (let i = 0; !tryCreate(file); i++) {
    if (i % 20 === 0) {
      breakIfStale(file);
      const now = ownerOf(file);
      if (now !== owner) {
        owner = now;
        waited = 0;
      }
    }
    const ms = Math.min(1 + i, 10);
    await sleepMs(ms);
    waited += ms;
    if (waited > 60_000) throw unavailable(`lock \`${file}\` is held by another berth process (pid ${owner ?? 'unknown'}) for over a minute`);
  }
  try {
    return await fn();
  } finally {
    try {
      if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  }
}

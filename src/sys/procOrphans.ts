/**
 * What the kernel shows of berth's long-lived pieces, root by root, for `system check`:
 * container monitors (`berth-helper run`, whose working directory is the container's state
 * directory — "(deleted)" once its root is gone) and the nsfs mounts of persistent netns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readProcess } from './procProcess.js';

export interface MonitorProcess {
  pid: number;
  startTicks: number;
  /** Its state directory (`<root>/runtime/<id>` for the engine's containers). */
  stateDir: string;
  /** The kernel says the directory was removed. */
  deleted: boolean;
  /** Its children (the container's init, an exec or health check in flight). */
  children: { pid: number; startTicks: number }[];
}

const DELETED = ' (deleted)';

function pids(): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Every container monitor on the host (the helper in `run` mode) and where it lives. */
export function containerMonitors(): MonitorProcess[] {
  const all = pids().map((pid) => readProcess(pid)).filter((p) => p !== undefined);
  const out: MonitorProcess[] = [];
  for (const p of all) {
    if (path.basename(p.argv[0] ?? '') !== 'berth-helper' || p.argv[1] !== 'run') continue;
    let cwd: string;
    try {
      cwd = fs.readlinkSync(`/proc/${p.pid}/cwd`);
    } catch {
      continue; // exited meanwhile
    }
    const deleted = cwd.endsWith(DELETED);
    const stateDir = deleted ? cwd.slice(0, -DELETED.length) : cwd;
    const children = all.filter((c) => c.ppid === String(p.pid)).map((c) => ({ pid: c.pid, startTicks: c.startTicks }));
    out.push({ pid: p.pid, startTicks: p.startTicks, stateDir, deleted, children });
  }
  return out;
}

/** Mount points of nsfs mounts (bound namespaces) in our mount namespace. */
export function nsfsMounts(): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash < 0 || f[dash + 1] !== 'nsfs') continue;
    out.push(f[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

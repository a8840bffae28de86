/** What the fault tests look at: the runtime state berth keeps, and the kernel's view of it. */
import fs from 'node:fs';
import path from 'node:path';

export interface RuntimeState { pid: number; pidStart?: string; monitorPid: number; cgroupPath?: string }

export function runtimeState(root: string, id: string): RuntimeState {
  return JSON.parse(fs.readFileSync(path.join(root, 'runtime', id, 'state.json'), 'utf8')) as RuntimeState;
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    return pid > 0 && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The directories of a cgroup path on every hierarchy mounted here (v1, hybrid or v2) that exist. */
export function cgroupDirs(relPath: string): string[] {
  const base = '/sys/fs/cgroup';
  const candidates = [path.join(base, relPath), ...fs.readdirSync(base).map((h) => path.join(base, h, relPath))];
  return candidates.filter((d) => fs.existsSync(path.join(d, 'cgroup.procs')));
}

/** SIGKILL by pid, never 0 or below. */
export function killPid(pid: number | undefined): void {
  if (!pid || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch { /* gone */ }
}

/** Mount points (from this process's mountinfo) below `dir`. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(prefix));
}

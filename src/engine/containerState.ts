/**
 * The live State of a container, derived from its record, the runtime's state dir
 * (state.json, exit.json written by the monitor) and /proc. A dead monitor can
 * never leave a container looking "running".
 */
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from '../sys/procAlive.js';
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord } from './types.js';

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface LiveState {
  Status: Status;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** Internal: the monitor's pid while it lives. */
  monitorPid?: number;
  cgroupPath?: string;
}

interface RuntimeFiles {
  state?: { pid: number; pidStart?: string; monitorPid: number; cgroupPath?: string; created: string };
  exit?: { exitCode: number; signal: number; finishedAt: string };
}

function readJsonMaybe<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function runtimeFiles(store: ContainerStore, id: string): RuntimeFiles {
  const dir = path.join(store.runtimeRoot, id);
  return { state: readJsonMaybe(path.join(dir, 'state.json')), exit: readJsonMaybe(path.join(dir, 'exit.json')) };
}

function isZombie(pid: number): boolean {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** Whether the cgroup's freezer says FROZEN (v1) or cgroup.freeze is 1 (v2). */
export function isFrozen(cgroupPath: string | undefined): boolean {
  if (!cgroupPath) return false;
  for (const f of [`/sys/fs/cgroup/freezer/${cgroupPath}/freezer.state`, `/sys/fs/cgroup/${cgroupPath}/cgroup.freeze`]) {
    try {
      const v = fs.readFileSync(f, 'utf8').trim();
      return v === 'FROZEN' || v === 'FREEZING' || v === '1';
    } catch { /* next */ }
  }
  return false;
}

export function liveState(store: ContainerStore, rec: ContainerRecord, opts: { oom?: (cgroupPath: string) => boolean } = {}): LiveState {
  const base: LiveState = {
    Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0,
    ExitCode: 0, Error: rec.State.Error ?? '', StartedAt: rec.State.StartedAt, FinishedAt: rec.State.FinishedAt,
  };
  const rt = runtimeFiles(store, rec.Id);
  if (!rt.state) {
    const code = rec.State.ExitCode ?? 0;
    if (rec.State.Status === 'exited' || rec.State.Status === 'running') return { ...base, Status: 'exited', ExitCode: code };
    return { ...base, ExitCode: code };
  }
  const s = rt.state;
  base.cgroupPath = s.cgroupPath;
  if (rt.exit) {
    const oom = !!(s.cgroupPath && opts.oom?.(s.cgroupPath));
    return { ...base, Status: 'exited', ExitCode: rt.exit.exitCode, FinishedAt: rt.exit.finishedAt, OOMKilled: oom };
  }
  const alive = processAlive(s.pid, s.pidStart) && !isZombie(s.pid);
  const monitorAlive = processAlive(s.monitorPid) && !isZombie(s.monitorPid);
  if (alive && monitorAlive) {
    const paused = isFrozen(s.cgroupPath);
    return { ...base, Status: paused ? 'paused' : 'running', Running: true, Paused: paused, Pid: s.pid, monitorPid: s.monitorPid };
  }
  if (monitorAlive) {
    // The init is gone and the monitor is about to write exit.json: still running until it has.
    return { ...base, Status: 'running', Running: true, Pid: s.pid, monitorPid: s.monitorPid };
  }
  return { ...base, Status: 'exited', ExitCode: 137, Error: base.Error || 'container monitor died', FinishedAt: base.FinishedAt };
}

/** "Up 5 minutes", "Exited (0) 3 seconds ago", "Created", as `docker ps` prints them. */
export function statusText(st: LiveState, now = Date.now()): string {
  if (st.Status === 'created') return 'Created';
  if (st.Running) {
    const up = `Up ${humanDuration((now - Date.parse(st.StartedAt)) / 1000)}`;
    return st.Paused ? `${up} (Paused)` : up;
  }
  const fin = Date.parse(st.FinishedAt);
  const ago = Number.isFinite(fin) && fin > 0 ? ` ${humanDuration((now - fin) / 1000)} ago` : '';
  return `Exited (${st.ExitCode})${ago}`;
}

/** Docker's units.HumanDuration. */
export function humanDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.round(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.round(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.round(h / 24 / 30)} months`;
  return `${Math.round(h / 24 / 365)} years`;
}

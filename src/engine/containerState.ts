/**
 * The live State of a container, derived from its record, the runtime's state dir
 * (state.json, exit.json written by the monitor) and /proc. Liveness comes from the kernel:
 * the container runs while its init (pid + start time, /proc/PID/stat field 22) lives,
 * whether or not its monitor does; a dead monitor shows in `Error` (and `monitorGone`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupLayout } from '../runtime/cgroups/index.js';
import { containerCgroup, type CgroupRecord } from '../runtime/hostCgroupLayout.js';
import { isZombie, processAlive } from '../sys/procAlive.js';
import { humanDuration } from './humanDuration.js';
import type { ContainerStore } from './ContainerStore.js';
import type { ExitRecord, InitRecord } from '../runtime/state.js';
import type { ContainerRecord } from './types.js';
import { noteExit, noteRestart } from './containerEvents.js';

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
  RestartCount: number;
  /** Internal: the monitor's pid while it lives. */
  monitorPid?: number;
  /** Internal: the monitor died while the init lived on (no exit status, no logs since); or, exited, it ended that way. */
  monitorGone?: boolean;
  cgroupPath?: string;
  cgroupLayout?: CgroupLayout;
}

interface RuntimeFiles {
  state?: { pid: number; pidStart?: string; monitorPid: number; cgroupPath?: string; cgroupLayout?: CgroupLayout; created: string };
  exit?: ExitRecord;
  init?: InitRecord;
}

/** State.Error of a container whose monitor died under it. */
export function monitorGoneError(monitorPid: number, running: boolean): string {
  return running
    ? `container monitor (berth-helper, pid ${monitorPid}) is gone: the container runs on, but its exit status and its output are no longer recorded`
    : `container monitor (berth-helper, pid ${monitorPid}) died: the exit status is unknown (137), output after it died was lost`;
}

function readJsonMaybe<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function runtimeDir(store: ContainerStore, id: string): string {
  return path.join(store.runtimeRoot, id);
}

export function runtimeFiles(store: ContainerStore, id: string): RuntimeFiles {
  const dir = runtimeDir(store, id);
  const state = readJsonMaybe<RuntimeFiles['state']>(path.join(dir, 'state.json'));
  if (!state) return {};
  return { state, exit: readJsonMaybe(path.join(dir, 'exit.json')), init: readJsonMaybe(path.join(dir, 'init.json')) };
}

/** The monitor's health.json (Docker's Health shape), when the container has a check. */
export function healthOf(store: ContainerStore, id: string): { Status: string; FailingStreak: number; Log: unknown[] } | undefined {
  return readJsonMaybe(path.join(runtimeDir(store, id), 'health.json'));
}

/** Whether the container's cgroup is frozen (pause), on the hierarchies it was created in. */
export function isFrozen(cgroup: CgroupRecord): boolean {
  try {
    return containerCgroup(cgroup)?.isFrozen() ?? false;
  } catch {
    return false;
  }
}

export function liveState(store: ContainerStore, rec: ContainerRecord, opts: { oom?: (cgroup: CgroupRecord) => boolean } = {}): LiveState {
  const base: LiveState = {
    Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0,
    ExitCode: 0, Error: rec.State.Error ?? '', StartedAt: rec.State.StartedAt, FinishedAt: rec.State.FinishedAt, RestartCount: 0,
  };
  const rt = runtimeFiles(store, rec.Id);
  if (!rt.state) {
    const code = rec.State.ExitCode ?? 0;
    if (rec.State.Status === 'exited' || rec.State.Status === 'running') return { ...base, Status: 'exited', ExitCode: code };
    return { ...base, ExitCode: code };
  }
  const s = rt.state;
  base.cgroupPath = s.cgroupPath;
  base.cgroupLayout = s.cgroupLayout;
  base.RestartCount = rt.init?.restartCount ?? 0;
  if (rt.init?.startedAt) base.StartedAt = rt.init.startedAt;
  const oom = () => !!(s.cgroupPath && opts.oom?.(s));
  const exited = (code: number, fin: string, error = base.Error): LiveState => ({ ...base, Status: 'exited', ExitCode: code, FinishedAt: fin, OOMKilled: oom(), Error: error });
  // The monitor alone sees the exit: the first berth process to read it records `die` (once).
  if (rt.exit) noteExit(store, rec, rt.exit, () => !rt.exit!.restarting && oom());
  if (rt.init && rt.init.restartCount > 0 && rt.init.pid !== rt.exit?.pid) noteRestart(store, rec, rt.init.pid, rt.init.startedAt);
  if (rt.exit && !rt.exit.restarting) {
    if (rt.exit.monitorLost) return { ...exited(rt.exit.exitCode, rt.exit.finishedAt, base.Error || monitorGoneError(s.monitorPid, false)), monitorGone: true };
    return exited(rt.exit.exitCode, rt.exit.finishedAt);
  }
  const pid = rt.init?.pid ?? s.pid;
  const pidStart = pid === s.pid ? s.pidStart : rt.init?.pidStart || undefined;
  const current = !(rt.exit && rt.exit.pid === pid) && processAlive(pid, pidStart) && !isZombie(pid);
  const monitorAlive = processAlive(s.monitorPid) && !isZombie(s.monitorPid);
  if (!monitorAlive) {
    if (!current) return { ...exited(rt.exit?.exitCode ?? 137, rt.exit?.finishedAt ?? base.FinishedAt, base.Error || monitorGoneError(s.monitorPid, false)), monitorGone: true };
    // The init outlived its monitor: still running, as the kernel says (Podman does the same when conmon dies).
    const paused = isFrozen(s);
    return { ...base, Status: paused ? 'paused' : 'running', Running: true, Paused: paused, Pid: pid, Error: monitorGoneError(s.monitorPid, true), monitorGone: true };
  }
  if (rt.exit?.restarting && !current) {
    return { ...base, Status: 'restarting', Running: true, Restarting: true, ExitCode: rt.exit.exitCode, FinishedAt: rt.exit.finishedAt, monitorPid: s.monitorPid };
  }
  // Running; or the init just ended and the monitor is about to write exit.json.
  const paused = isFrozen(s);
  return { ...base, Status: paused ? 'paused' : 'running', Running: true, Paused: paused, Pid: pid, monitorPid: s.monitorPid };
}

/** "Up 5 minutes", "Exited (0) 3 seconds ago", "Created", as `docker ps` prints them. */
export function statusText(st: LiveState, now = Date.now()): string {
  if (st.Status === 'created') return 'Created';
  if (st.Restarting) return `Restarting (${st.ExitCode}) ${humanDuration((now - Date.parse(st.FinishedAt)) / 1000)} ago`;
  if (st.Running) {
    const up = `Up ${humanDuration((now - Date.parse(st.StartedAt)) / 1000)}`;
    return st.Paused ? `${up} (Paused)` : up;
  }
  const fin = Date.parse(st.FinishedAt);
  const ago = Number.isFinite(fin) && fin > 0 ? ` ${humanDuration((now - fin) / 1000)} ago` : '';
  return `Exited (${st.ExitCode})${ago}`;
}

/**
 * Container events with Docker's attributes (image, name, the container's labels, then the
 * action's own). The exit of a container is seen by its monitor alone, which writes exit.json;
 * `die` is recorded by the first berth process that sees that file (a marker made with O_EXCL
 * in the runtime state directory makes it exactly once), stamped with the exit's own time.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerStore } from './ContainerStore.js';
import { recordEvent } from './eventLog.js';
import type { ContainerRecord } from './types.js';
import type { ExitRecord } from '../runtime/state.js';

export function containerAttributes(rec: Pick<ContainerRecord, 'Name' | 'Config'>): Record<string, string> {
  return { ...(rec.Config.Labels ?? {}), image: rec.Config.Image, name: rec.Name.replace(/^\//, '') };
}

export function containerEvent(store: ContainerStore, rec: Pick<ContainerRecord, 'Id' | 'Name' | 'Config'>, action: string, extra: Record<string, string | number | undefined> = {}, time?: bigint): void {
  recordEvent(store.root, 'container', action, rec.Id, { ...containerAttributes(rec), ...extra }, time);
}

function isoToNano(iso: string | undefined): bigint | undefined {
  if (!iso) return undefined;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  const ms = Date.parse(m ? `${m[1]}Z` : iso);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  const frac = m?.[2] ? BigInt(m[2].padEnd(9, '0').slice(0, 9)) : 0n;
  return BigInt(ms) * 1000000n + frac;
}

/** Claim the marker `name` in the container's runtime dir; false when another process has (or there is no dir). */
function claim(store: ContainerStore, id: string, name: string): boolean {
  try {
    fs.closeSync(fs.openSync(path.join(store.runtimeRoot, id, name), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600));
    return true;
  } catch {
    return false;
  }
}

function seen(store: ContainerStore, id: string, name: string): boolean {
  return fs.existsSync(path.join(store.runtimeRoot, id, name));
}

/** `die` (and `oom`) for an exit the monitor recorded, once. */
export function noteExit(store: ContainerStore, rec: ContainerRecord, exit: ExitRecord, oomKilled: () => boolean = () => false): void {
  const mark = `.event-die-${exit.pid}`;
  if (seen(store, rec.Id, mark) || !claim(store, rec.Id, mark)) return;
  const t = isoToNano(exit.finishedAt);
  if (oomKilled()) containerEvent(store, rec, 'oom', {}, t);
  const started = Date.parse(rec.State.StartedAt);
  const fin = Date.parse(exit.finishedAt);
  const dur = Number.isFinite(started) && Number.isFinite(fin) && fin >= started ? Math.round((fin - started) / 1000) : undefined;
  containerEvent(store, rec, 'die', { execDuration: dur, exitCode: exit.exitCode }, t);
  if (!exit.restarting) volumeMountEvents(store, rec, 'unmount');
}

/** `volume mount` at a start, `volume unmount` at the end, for each named or anonymous volume. */
export function volumeMountEvents(store: ContainerStore, rec: ContainerRecord, action: 'mount' | 'unmount'): void {
  for (const m of rec.Mounts ?? []) {
    if (m.Type !== 'volume' || !m.Name) continue;
    const attrs = action === 'mount'
      ? { container: rec.Id, destination: m.Destination, driver: 'local', propagation: m.Propagation ?? '', 'read/write': String(m.RW !== false) }
      : { container: rec.Id, driver: 'local' };
    recordEvent(store.root, 'volume', action, m.Name, attrs);
  }
}

/** `die` of an init berth itself is about to end (rm -f): recorded now, and never again by noteExit. */
export function noteForcedDie(store: ContainerStore, rec: ContainerRecord, pid: number): void {
  if (pid > 0 && !claim(store, rec.Id, `.event-die-${pid}`)) return;
  containerEvent(store, rec, 'kill', { signal: '9' });
  containerEvent(store, rec, 'die', { exitCode: '137' });
}

/** `start` of an init the monitor started again (a restart policy), once. */
export function noteRestart(store: ContainerStore, rec: ContainerRecord, pid: number, startedAt: string | undefined): void {
  const mark = `.event-start-${pid}`;
  if (seen(store, rec.Id, mark) || !claim(store, rec.Id, mark)) return;
  containerEvent(store, rec, 'start', {}, isoToNano(startedAt));
}

/** A start by berth itself: its init's `start` is this one (noteRestart stays quiet for it). */
export function markStarted(store: ContainerStore, pid: number, id: string): void {
  claim(store, id, `.event-start-${pid}`);
}

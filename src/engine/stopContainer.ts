/** stop, kill, restart, wait: signals to the init and waiting for the monitor's exit record. */
import fs from 'node:fs';
import path from 'node:path';
import { conflict } from '../errors.js';
import { parseSignal } from '../runtime/lifecycle.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState, runtimeDir, type LiveState } from './containerState.js';
import { containerEvent } from './containerEvents.js';
import { disconnectNetwork } from './disconnectNetwork.js';
import { markReleasedByCaller } from './cleanupContainer.js';
import { endWithoutMonitor } from './endWithoutMonitor.js';
import { netnsFile } from './networkMode.js';
import { isBoundNetns } from '../sys/netns.js';
import { thawCgroup } from './pause.js';
import type { ContainerRecord } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll the derived state until the container is not running (or the deadline passes). */
export async function waitExit(store: ContainerStore, id: string, timeoutMs = Infinity): Promise<LiveState | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const rec = store.read(id);
    if (!rec) return undefined;
    const st = liveState(store, rec);
    if (!st.Running) return st;
    if (Date.now() >= deadline) return st;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
  }
}

/** Never kill(0): that is the caller's whole process group. */
function signalPid(pid: number, sig: number): void {
  if (!(pid > 0)) return;
  try {
    process.kill(pid, sig);
  } catch { /* gone */ }
}

/** Record that the user stopped it, and that it is not running (the image store reads State.Running). */
function markStopped(store: ContainerStore, rec: ContainerRecord, st: LiveState | undefined, byUser: boolean): void {
  rec.State = { ...rec.State, Status: 'exited', Running: false, StoppedByUser: byUser || rec.State.StoppedByUser, FinishedAt: st?.FinishedAt ?? new Date().toISOString(), ExitCode: st?.ExitCode ?? rec.State.ExitCode };
  store.write(rec);
}

/** `stop [-t N] [-s SIG]`: the stop signal, then SIGKILL after the timeout. */
export async function stopContainer(store: ContainerStore, ref: string, timeoutSec?: number, signal?: string): Promise<void> {
  const found = store.find(ref);
  await store.withLock(found.Id, async () => {
    const rec = store.read(found.Id) ?? found;
    const st = liveState(store, rec);
    if (!st.Running) {
      // Ended on its own after its monitor died: nobody recorded it or released what it held.
      if (st.monitorGone) await finishWithoutMonitor(store, rec, 0, false);
      // A stop killed after ending it, before releasing the networks (the monitor left that to it).
      else if (isBoundNetns(netnsFile(store, rec.Id))) await disconnectNetwork(store, rec);
      return;
    }
    const t = timeoutSec ?? rec.Config.StopTimeout ?? 10;
    requestStop(store, rec.Id);
    markReleasedByCaller(store, rec.Id); // released below, not by the monitor's on_exit
    if (st.Paused) thaw(st);
    const sig = parseSignal(signal ?? rec.Config.StopSignal);
    containerEvent(store, rec, 'kill', { signal: sig });
    signalPid(st.Pid, sig);
    let after = await waitExit(store, rec.Id, t < 0 ? Infinity : t * 1000);
    if (after?.Running) {
      containerEvent(store, rec, 'kill', { signal: 9 });
      signalPid(st.Pid, 9);
      after = await waitExit(store, rec.Id);
    }
    if (st.monitorGone || after?.monitorGone) after = endWithoutMonitor(store, rec, st.Pid);
    markStopped(store, rec, after, true);
    await disconnectNetwork(store, rec); // Docker releases the address and ports on stop; start attaches again
    containerEvent(store, rec, 'stop');
  });
}

/** Tell the monitor not to restart the container (restart policies). */
export function requestStop(store: ContainerStore, id: string): void {
  try {
    fs.writeFileSync(path.join(runtimeDir(store, id), 'stop-requested'), '');
  } catch { /* no runtime state: nothing to restart */ }
}

function thaw(st: LiveState): void {
  try {
    thawCgroup(st);
  } catch { /* SIGKILL below still ends it */ }
}

/** `kill [-s SIG]`. */
export async function killContainer(store: ContainerStore, ref: string, signal?: string): Promise<void> {
  const sig = parseSignal(signal ?? 'KILL');
  const rec = store.find(ref);
  const st = liveState(store, rec);
  if (!st.Running || st.Restarting) throw conflict(`cannot kill container: ${ref}: container ${rec.Id} is not running`);
  if (sig === 9 || sig === 15) requestStop(store, rec.Id);
  containerEvent(store, rec, 'kill', { signal: sig });
  signalPid(st.Pid, sig);
  if (sig === 9) {
    const after = await waitExit(store, rec.Id);
    if (st.monitorGone || after?.monitorGone) return store.withLock(rec.Id, () => finishWithoutMonitor(store, rec, st.Pid, true));
    store.update(rec.Id, (r) => markStoppedInPlace(r, after));
  }
}

/** The monitor's part of an exit, when it is gone (caller holds the lock): exit record, cgroup, networks. */
async function finishWithoutMonitor(store: ContainerStore, rec: ContainerRecord, pid: number, byUser: boolean): Promise<void> {
  const fresh = store.read(rec.Id) ?? rec;
  const after = endWithoutMonitor(store, fresh, pid);
  markStopped(store, fresh, after, byUser);
  await disconnectNetwork(store, fresh);
}

function markStoppedInPlace(r: ContainerRecord, st: LiveState | undefined): void {
  r.State = { ...r.State, Status: 'exited', Running: false, StoppedByUser: true, FinishedAt: st?.FinishedAt ?? r.State.FinishedAt, ExitCode: st?.ExitCode ?? r.State.ExitCode };
}

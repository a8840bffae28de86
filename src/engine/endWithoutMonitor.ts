/**
 * What the monitor does when a container ends, done by berth when the monitor died before
 * the container did (it was SIGKILLed, or OOM-killed): record the exit (137: the real status
 * went to whoever reaped the init), end what is left in the cgroup and remove it. The caller
 * holds the container's lock and releases the networks (disconnectNetwork).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../sys/atomicWrite.js';
import { containerCgroup } from '../runtime/hostCgroupLayout.js';
import type { ExitRecord } from '../runtime/state.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState, runtimeDir, runtimeFiles, type LiveState } from './containerState.js';
import type { ContainerRecord } from './types.js';

/** Returns the state after: exited, with the monitor's loss in Error. */
export function endWithoutMonitor(store: ContainerStore, rec: ContainerRecord, initPid: number): LiveState {
  const rt = runtimeFiles(store, rec.Id);
  if (rt.state) {
    const dir = runtimeDir(store, rec.Id);
    if (!rt.exit || rt.exit.restarting) {
      const exit: ExitRecord = { pid: initPid || rt.init?.pid || rt.state.pid, exitCode: 137, signal: 9, finishedAt: new Date().toISOString(), monitorLost: true };
      writeJsonAtomic(path.join(dir, 'exit.json'), exit, false);
    }
    // Processes the init left behind (--init's children, a shared pid namespace) go with the cgroup.
    containerCgroup(rt.state)?.destroy({ pruneParents: false });
    fs.rmSync(path.join(dir, 'network-released-by-caller'), { force: true });
  }
  return liveState(store, rec);
}

/**
 * What Docker's daemon does when a container ends on its own, without a daemon: the
 * monitor's `on_exit` op starts `berth container cleanup ID` once the init has ended for
 * good (no restart will follow; see docs/plan.md). It releases the container's networks
 * (address, port rules, DNS records, veths, the persistent netns) and records the exit.
 * Idempotent, and safe against a concurrent `start`/`rm`: it works under the container's
 * lock and does nothing to a container that is running again or gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { inHostNetns } from '../sys/hostNetns.js';
import { disconnectNetwork } from './disconnectNetwork.js';
import { netModeOf } from './networkMode.js';
import type { ContainerRecord } from './types.js';

/**
 * The monitor's on_exit argv for `rec`: `rm -f` for a detached --rm container, else
 * `container cleanup` when it has networks to release (an --rm container run in the
 * foreground is removed by its `run`). The monitor lives in the container's network
 * namespace (it joins it before clone), so the command goes back to the host's first.
 */
export function exitCommand(store: ContainerStore, rec: ContainerRecord, berthJs: string, removeOnExit: boolean): string[] | undefined {
  const berth = [process.execPath, berthJs, '--root', store.root];
  if (removeOnExit) return [...inHostNetns(), ...berth, 'rm', '-f', rec.Id];
  if (rec.HostConfig.AutoRemove) return undefined;
  if (netModeOf(rec) !== 'network' && !Object.keys(rec.ConnectedNetworks ?? {}).length) return undefined;
  // No second process when `stop`/`rm` end it: they release the networks themselves (markReleasedByCaller).
  return ['/bin/sh', '-c', '[ -e "$0" ] || exec "$@"', releasedMark(store, rec.Id), ...inHostNetns(), ...berth, 'container', 'cleanup', rec.Id];
}

function releasedMark(store: ContainerStore, id: string): string {
  return path.join(store.runtimeRoot, id, 'network-released-by-caller');
}

/** stop/rm, before they end the container: they release its networks, so its on_exit need not start a cleanup. */
export function markReleasedByCaller(store: ContainerStore, id: string): void {
  try {
    fs.writeFileSync(releasedMark(store, id), '');
  } catch { /* no runtime state: nothing will run on exit */ }
}

/** Returns whether anything was released. */
export async function cleanupContainer(store: ContainerStore, id: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(id)) return false; // only the full ids the monitor passes
  // Never recreate the lock dir of a removed container (or of a root deleted meanwhile).
  if (!fs.existsSync(store.recordFile(id)) || !fs.existsSync(path.dirname(store.lockFile(id)))) return false;
  return store.withLock(id, async () => {
    const rec = store.read(id);
    if (!rec) return false;
    const st = liveState(store, rec);
    if (st.Running) return false; // started again (or a restart policy is at work): its network is in use
    await disconnectNetwork(store, rec, { keepLinks: false });
    if (rec.State.Running) {
      rec.State = { ...rec.State, Status: 'exited', Running: false, FinishedAt: st.FinishedAt, ExitCode: st.ExitCode };
      store.write(rec);
    }
    return true;
  });
}

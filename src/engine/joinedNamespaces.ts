/**
 * `--pid container:<x>` / `--ipc container:<x>` / `--uts container:<x>` at start: the donor's running init's
 * namespaces (`/proc/<pid>/ns/pid|ipc`) and /dev/shm, with Docker's refusals.
 */
import path from 'node:path';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { hasPidNamespaces, pidNamespace } from '../sys/pidNetns.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { donorOf, type JoinedNamespaces } from './namespaceModes.js';
import type { ContainerRecord } from './types.js';

export function joinedNamespaces(store: ContainerStore, rec: ContainerRecord): JoinedNamespaces {
  const hc = rec.HostConfig;
  const out: JoinedNamespaces = {};
  const pidRef = donorOf(hc.PidMode);
  if (pidRef) out.pid = pidNamespace(donorPid(store, rec, pidRef, 'PID'), 'pid');
  const utsRef = donorOf(hc.UTSMode);
  if (utsRef) out.uts = pidNamespace(donorPid(store, rec, utsRef, 'UTS'), 'uts');
  const ipcRef = donorOf(hc.IpcMode);
  if (ipcRef) {
    const donor = store.find(ipcRef);
    const mode = donor.HostConfig.IpcMode ?? 'private';
    if (mode !== 'shareable' && mode !== 'host') throw invalidArgument('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
    const pid = donorPid(store, rec, ipcRef, 'IPC');
    out.ipc = pidNamespace(pid, 'ipc');
    out.shm = mode === 'host' ? '/dev/shm' : shmDir(store, donor.Id);
  }
  return out;
}

/** A shareable container's /dev/shm on the host (made at its start). */
export function shmDir(store: ContainerStore, id: string): string {
  return path.join(store.dir(id), 'shm');
}

function donorPid(store: ContainerStore, rec: ContainerRecord, ref: string, what: 'PID' | 'IPC' | 'UTS'): number {
  const donor = store.find(ref);
  if (donor.Id === rec.Id) throw invalidArgument(`cannot join own ${what} namespace`);
  const st = liveState(store, donor);
  if (!st.Running || !st.Pid || !hasPidNamespaces(st.Pid)) throw failedPrecondition(`cannot join ${what} of a non running container: ${donor.Id}`);
  return st.Pid;
}

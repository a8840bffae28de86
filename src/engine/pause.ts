/** pause/unpause via the cgroup freezer (Cgroup.freeze/thaw). */
import { conflict } from '../errors.js';
import { containerCgroup, type CgroupRecord } from '../runtime/hostCgroupLayout.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { containerEvent } from './containerEvents.js';

export function thawCgroup(cgroup: CgroupRecord): void {
  containerCgroup(cgroup)?.thaw();
}

export function pauseContainer(store: ContainerStore, ref: string, pause: boolean): string {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  if (!st.Running) throw conflict(`Container ${rec.Id} is not running`);
  if (pause && st.Paused) throw conflict(`Container ${rec.Id} is already paused`);
  if (!pause && !st.Paused) throw conflict(`Container ${rec.Id} is not paused`);
  const cg = containerCgroup(st)!;
  if (pause) cg.freeze();
  else cg.thaw();
  containerEvent(store, rec, pause ? 'pause' : 'unpause');
  return rec.Id;
}

/**
 * Run `fn` while no process of the container can change its files: a running container is
 * frozen meanwhile (as `commit` does by default), a stopped one has none. What walks the
 * writable layer on the host (commit, export, diff) looks only at real directories (lstat),
 * and with the tree holding still no directory can turn into a symlink to a host path
 * behind its back (the CVE-2018-15664 race). A container the user paused stays paused.
 */
export async function whileStill<T>(store: ContainerStore, ref: string, fn: () => Promise<T> | T): Promise<T> {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  const freeze = st.Running && !st.Paused && !!st.cgroupPath;
  const cg = freeze ? containerCgroup(st) : undefined;
  cg?.freeze();
  try {
    return await fn();
  } finally {
    cg?.thaw();
  }
}

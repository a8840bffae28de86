/** pause/unpause via the cgroup freezer (Cgroup.freeze/thaw). */
import { conflict } from '../errors.js';
import { Cgroup } from '../runtime/cgroups/index.js';
import { cgroupLayout } from '../runtime/createContainer.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';

export function thawPath(cgroupPath: string | undefined): void {
  if (cgroupPath) Cgroup.open(cgroupLayout(), cgroupPath).thaw();
}

export function pauseContainer(store: ContainerStore, ref: string, pause: boolean): string {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  if (!st.Running) throw conflict(`Container ${rec.Id} is not running`);
  if (pause && st.Paused) throw conflict(`Container ${rec.Id} is already paused`);
  if (!pause && !st.Paused) throw conflict(`Container ${rec.Id} is not paused`);
  const cg = Cgroup.open(cgroupLayout(), st.cgroupPath!);
  if (pause) cg.freeze();
  else cg.thaw();
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
  const cg = freeze ? Cgroup.open(cgroupLayout(), st.cgroupPath!) : undefined;
  cg?.freeze();
  try {
    return await fn();
  } finally {
    cg?.thaw();
  }
}

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

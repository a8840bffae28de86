/** The containers of a compose project, found by their `com.docker.compose.*` labels. */
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { liveState, type LiveState } from '../../engine/containerState.js';
import type { ContainerRecord } from '../../engine/types.js';
import { L } from '../serviceRequest.js';

export interface ProjectContainer {
  rec: ContainerRecord;
  name: string;
  service: string;
  number: number;
  oneoff: boolean;
  state: LiveState;
}

export function projectContainers(store: ContainerStore, project: string, o: { oneoff?: boolean } = {}): ProjectContainer[] {
  return store.list()
    .filter((r) => r.Config.Labels?.[L.project] === project)
    .map((rec) => ({
      rec,
      name: rec.Name.replace(/^\//, ''),
      service: rec.Config.Labels[L.service] ?? '',
      number: Number(rec.Config.Labels[L.number] ?? 0),
      oneoff: rec.Config.Labels[L.oneoff] === 'True',
      state: liveState(store, rec),
    }))
    .filter((c) => o.oneoff === undefined || c.oneoff === o.oneoff)
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.number - b.number));
}

/** The names of the projects that have containers here, with their states and config files (`compose ls`). */
export function projectsOf(store: ContainerStore): { name: string; running: number; exited: number; configFiles: string }[] {
  const by = new Map<string, { name: string; running: number; exited: number; configFiles: string }>();
  for (const rec of store.list()) {
    const p = rec.Config.Labels?.[L.project];
    if (!p) continue;
    const e = by.get(p) ?? { name: p, running: 0, exited: 0, configFiles: rec.Config.Labels[L.configFiles] ?? '' };
    if (liveState(store, rec).Running) e.running++;
    else e.exited++;
    by.set(p, e);
  }
  return [...by.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

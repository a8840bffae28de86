/**
 * `compose down [-v] [--remove-orphans] [--rmi]`: the project's containers stopped (dependents
 * first) and removed, then its networks; with -v its named volumes and the containers'
 * anonymous ones. Works from the labels, so a project whose file changed still goes.
 */
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { removeContainer } from '../../engine/removeContainer.js';
import { stopContainer } from '../../engine/stopContainer.js';
import type { Project } from '../types.js';
import { dependencyOrder } from './order.js';
import { projectContainers, type ProjectContainer } from './projectContainers.js';
import { progress } from './progress.js';
import { removeNetworks, removeVolumes } from './resources.js';

export interface DownOptions { volumes?: boolean; removeOrphans?: boolean; timeout?: number }

/** Dependents before their dependencies; unknown services (orphans) first. */
export function stopOrder(p: Project | undefined, cs: ProjectContainer[]): ProjectContainer[] {
  const order = p ? dependencyOrder(p).reverse() : [];
  const rank = (c: ProjectContainer) => (order.includes(c.service) ? order.indexOf(c.service) : -1);
  return [...cs].sort((a, b) => rank(a) - rank(b) || a.number - b.number);
}

export async function stopAll(store: ContainerStore, cs: ProjectContainer[], timeout?: number): Promise<void> {
  for (const c of cs) {
    if (!c.state.Running) continue;
    await stopContainer(store, c.rec.Id, timeout);
    progress('Container', c.name, 'Stopped');
  }
}

export async function down(store: ContainerStore, project: string, p: Project | undefined, o: DownOptions = {}): Promise<void> {
  const known = new Set(p ? [...Object.keys(p.services), ...p.disabled] : []);
  const all = projectContainers(store, project);
  const orphans = all.filter((c) => p && !known.has(c.service) && !c.oneoff);
  const mine = all.filter((c) => !p || known.has(c.service) || (o.removeOrphans && !c.oneoff) || c.oneoff);
  if (orphans.length && !o.removeOrphans) {
    process.stderr.write(`WARN[0000] Found orphan containers ([${orphans.map((c) => c.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
  }
  const ordered = stopOrder(p, mine);
  await stopAll(store, ordered, o.timeout);
  for (const c of ordered) {
    await removeContainer(store, c.rec.Id, { force: true, volumes: !!o.volumes });
    progress('Container', c.name, 'Removed');
  }
  await removeNetworks(project, store.root);
  if (o.volumes) removeVolumes(project, store.root, store);
}

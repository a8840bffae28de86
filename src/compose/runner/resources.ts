/**
 * A project's networks and named volumes: created with compose's labels when missing,
 * external ones required to exist, removed by `down` (networks) and `down -v` (volumes).
 * Through the same network layer and volume store `berth network` and `berth volume` use.
 */
import { failedPrecondition, invalidArgument, notFound } from '../../errors.js';
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { VolumeStore } from '../../engine/volumes.js';
import { L } from '../serviceRequest.js';
import type { Project } from '../types.js';
import { progress } from './progress.js';

export async function ensureNetworks(p: Project, root: string, keys: string[]): Promise<void> {
  const { NetworkStore, createNetwork, ensureNetworkUp } = await import('../../network/index.js');
  const store = new NetworkStore(root);
  for (const key of keys) {
    const n = p.networks[key];
    if (!n) continue;
    if (n.external) {
      if (!store.find(n.name)) throw notFound(`network ${n.name} declared as external, but could not be found`, { exitCode: 1 });
      continue;
    }
    if (store.find(n.name)) {
      await ensureNetworkUp(store, n.name);
      continue;
    }
    if (n.driver && n.driver !== 'bridge') throw invalidArgument(`network ${n.name}: driver "${n.driver}" is not supported by berth (bridge only)`, { exitCode: 1 });
    const ipam = n.ipam?.config?.[0];
    await createNetwork(root, {
      name: n.name, subnet: ipam?.subnet, gateway: ipam?.gateway, internal: !!n.internal,
      labels: { ...(n.labels ?? {}), [L.project]: p.name, [L.network]: key, [L.version]: 'berth' },
    });
    progress('Network', n.name, 'Created');
  }
}

export function ensureVolumes(p: Project, root: string, keys: string[]): void {
  const vols = new VolumeStore(root);
  for (const key of keys) {
    const v = p.volumes[key];
    if (!v) continue;
    if (v.external) {
      if (!vols.get(v.name)) throw notFound(`external volume "${v.name}" not found`, { exitCode: 1 });
      continue;
    }
    if (v.driver && v.driver !== 'local') throw invalidArgument(`volume ${v.name}: driver "${v.driver}" is not supported by berth (local only)`, { exitCode: 1 });
    if (vols.create(v.name, { ...(v.labels ?? {}), [L.project]: p.name, [L.volume]: key }).created) progress('Volume', v.name, 'Created');
  }
}

/** The project's own networks (labelled with it), whatever the file says now; refuses nothing: one still in use stays, with a warning. */
export async function removeNetworks(project: string, root: string): Promise<void> {
  const { NetworkStore, removeNetwork } = await import('../../network/index.js');
  for (const n of new NetworkStore(root).list()) {
    if (n.labels?.[L.project] !== project) continue;
    try {
      await removeNetwork(root, n.name);
      progress('Network', n.name, 'Removed');
    } catch (e) {
      process.stderr.write(`WARN[0000] network ${n.name}: ${(e as Error).message}\n`);
    }
  }
}

export function removeVolumes(project: string, root: string, containers: ContainerStore): void {
  const vols = new VolumeStore(root);
  for (const v of vols.list()) {
    if (v.Labels?.[L.project] !== project) continue;
    try {
      vols.remove(v.Name, containers);
      progress('Volume', v.Name, 'Removed');
    } catch (e) {
      process.stderr.write(`WARN[0000] volume ${v.Name}: ${(e as Error).message}\n`);
    }
  }
  void failedPrecondition;
}

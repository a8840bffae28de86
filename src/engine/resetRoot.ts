/**
 * `system reset`: everything a berth root made goes — containers (running ones too), their
 * network endpoints, every network with its bridge, DNS server and firewall chains (the
 * default bridge too), volumes and images — so that deleting the root afterwards leaves
 * nothing on the machine. Bridges that roots deleted by hand left behind go as well.
 */
import type { ContainerStore } from './ContainerStore.js';
import { pruneVolumes } from './prune.js';
import { removeContainer } from './removeContainer.js';

export interface ResetReport {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** `untagged: ...` / `deleted: sha256:...`, as prune prints them. */
  images: string[];
  /** Bridges of roots that no longer exist: `{ bridge, root }`. */
  orphans: { bridge: string; root: string }[];
  reclaimed: number;
  /** One line per object that could not go (the rest still went). */
  errors: string[];
}

export async function resetRoot(store: ContainerStore): Promise<ResetReport> {
  const { describe } = await import('../errors.js');
  const r: ResetReport = { containers: [], networks: [], volumes: [], images: [], orphans: [], reclaimed: 0, errors: [] };
  store.sweepTemp();
  for (const rec of store.list()) {
    try {
      r.containers.push(await removeContainer(store, rec.Id, { force: true }));
    } catch (e) {
      r.errors.push(`container ${rec.Id}: ${describe(e)}`);
    }
  }
  const { reconcileNetworks } = await import('./network.js');
  await reconcileNetworks(store, () => false);
  const net = await import('../network/index.js');
  for (const n of new net.NetworkStore(store.root).list()) {
    try {
      await net.removeNetwork(store.root, n.name, { allowDefault: true });
      r.networks.push(n.name);
    } catch (e) {
      r.errors.push(`network ${n.name}: ${describe(e)}`);
    }
  }
  const v = pruneVolumes(store, true);
  r.volumes = v.deleted;
  r.reclaimed += v.reclaimed;
  const { ImageStore } = await import('../image/ImageStore.js');
  const { pruneImages } = await import('../image/pruneImages.js');
  const ir = await pruneImages(ImageStore.open(store.root), { all: true });
  r.images = ir.ImagesDeleted.map((d) => ('Untagged' in d ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`));
  r.reclaimed += ir.SpaceReclaimed;
  r.orphans = (await net.sweepOrphanedNetworks({ rootGone: true })).map((o) => ({ bridge: o.state.bridge, root: o.root }));
  return r;
}

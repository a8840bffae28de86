import path from 'node:path';
import type { Digest } from './digest.js';
import type { ImageRecord } from './ImageRecord.js';
import type { ImageStore } from './ImageStore.js';
import { isRunning, listContainers } from './containers.js';
import { treeBytes } from '../sys/treeBytes.js';

export interface ImageUsage {
  image: ImageRecord;
  /** Bytes in layers shared with another image. */
  shared: number;
  /** Bytes only this image has. */
  unique: number;
  containers: number;
}

export interface DiskUsage {
  images: { total: number; active: number; size: number; reclaimable: number; items: ImageUsage[] };
  containers: { total: number; active: number; size: number; reclaimable: number; items: { id: string; name: string; image: string; size: number; running: boolean }[] };
}

/**
 * `system df`: layers shared by several images are counted once in the total; an image's
 * size splits into shared and unique bytes. Reclaimable = layers no container's image uses.
 */
export function diskUsage(store: ImageStore): DiskUsage {
  const images = store.list();
  const users = store.usage();
  const refs = new Map<Digest, number>();
  for (const img of images) for (const l of new Set(img.config.rootfs.diff_ids)) refs.set(l, (refs.get(l) ?? 0) + 1);
  const layerSize = (l: Digest) => store.layers.info(l)?.size ?? 0;
  const activeLayers = new Set<Digest>();
  for (const img of images) if (users.has(img.id)) img.config.rootfs.diff_ids.forEach((l) => activeLayers.add(l));
  const total = [...refs.keys()].reduce((a, l) => a + layerSize(l), 0);
  const reclaimable = [...refs.keys()].filter((l) => !activeLayers.has(l)).reduce((a, l) => a + layerSize(l), 0);
  const items = images.map((image) => {
    let shared = 0;
    let unique = 0;
    for (const l of new Set(image.config.rootfs.diff_ids)) (refs.get(l)! > 1 ? (shared += layerSize(l)) : (unique += layerSize(l)));
    return { image, shared, unique, containers: users.get(image.id)?.length ?? 0 };
  });
  const cs = listContainers(store.root).map((c) => {
    const size = treeBytes(path.join(store.root, 'snapshots', c.SnapshotKey ?? c.Id, 'upper'));
    return { id: c.Id, name: c.Name ?? '', image: c.Image ?? '', size, running: isRunning(c) };
  });
  const csize = cs.reduce((a, c) => a + c.size, 0);
  return {
    images: { total: images.length, active: images.filter((i) => users.has(i.id)).length, size: total, reclaimable, items },
    containers: { total: cs.length, active: cs.filter((c) => c.running).length, size: csize, reclaimable: cs.filter((c) => !c.running).reduce((a, c) => a + c.size, 0), items: cs },
  };
}

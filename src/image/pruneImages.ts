import { collectGarbage } from './gc.js';
import type { ImageRecord } from './ImageRecord.js';
import type { ImageStore } from './ImageStore.js';

export interface PruneResult {
  ImagesDeleted: ({ Untagged: string } | { Deleted: string })[];
  SpaceReclaimed: number;
}

/**
 * `image prune`: remove dangling images (with `all`, every image no container uses),
 * then garbage-collect blobs and layers. `keep` lets filters spare images.
 */
export async function pruneImages(store: ImageStore, o: { all?: boolean; keep?: (i: ImageRecord) => boolean } = {}): Promise<PruneResult> {
  const used = store.usage();
  const res: PruneResult = { ImagesDeleted: [], SpaceReclaimed: 0 };
  for (const img of store.list()) {
    if (used.has(img.id) || img.buildCache || (!o.all && img.tags.length > 0) || o.keep?.(img)) continue; // the build cache goes with `builder prune`
    for (const t of img.tags) res.ImagesDeleted.push({ Untagged: t });
    store.forget(img.id);
    res.ImagesDeleted.push({ Deleted: img.id });
  }
  res.SpaceReclaimed = (await collectGarbage(store)).bytes;
  return res;
}

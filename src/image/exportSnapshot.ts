import type { Writable } from 'node:stream';
import { dumpXattrs } from '../sys/xattr.js';
import { upperSource } from './commitSnapshot.js';
import type { ImageStore } from './ImageStore.js';
import type { Snapshotter } from './Snapshotter.js';
import { TarWriter } from './tar/TarWriter.js';
import { mergedToTar, type TreeSource } from './treeToTar.js';

/**
 * `berth export`: the container's filesystem (upper over the image's layers) as a tar,
 * computed in TypeScript from the layer dirs — nothing is mounted on the host.
 * `owners` maps the upper dir's owners (a --userns container's are shifted host ids).
 */
export async function exportSnapshot(store: ImageStore, snaps: Snapshotter, key: string, out: Writable, owners?: TreeSource['owners']): Promise<void> {
  const info = snaps.info(key);
  const sources: TreeSource[] = [{ ...upperSource(snaps.upperDir(key)), owners }];
  for (const l of [...info.layers].reverse()) {
    const li = store.layers.info(l);
    const dir = store.layers.diffDir(l);
    sources.push({ dir, opaque: new Set(li?.opaque ?? []), xattrs: dumpXattrs(dir) });
  }
  const w = new TarWriter(out);
  await mergedToTar(sources, w);
  await w.finish();
}

import fs from 'node:fs';
import { recordEvent } from '../engine/eventLog.js';
import { applyChanges } from './changes.js';
import { crashPoint } from './crashPoint.js';
import type { ImageId } from './digest.js';
import type { ImageStore } from './ImageStore.js';
import { hostPlatform } from './manifest.js';
import { layerMediaType } from './mediaTypes.js';
import { putNewImage } from './newImage.js';
import { parseTagReference } from './reference.js';

export interface ImportOptions {
  /** `name[:tag]` to give the new image. */
  tag?: string;
  /** `--change` instructions. */
  changes?: string[];
  /** `--message`: the history comment. */
  message?: string;
  /** Shown in the default comment: `Imported from <source>`. */
  source?: string;
}

/**
 * `berth import`: a filesystem tarball (plain, gzip or zstd) becomes a one-layer image.
 * The tarball is stored as the layer blob as-is; nothing is visible until every check
 * passed (the index is written last).
 */
export async function importImage(store: ImageStore, input: AsyncIterable<Buffer | string>, opts: ImportOptions = {}): Promise<ImageId> {
  if (opts.tag) parseTagReference(opts.tag);
  const containerConfig = applyChanges({}, opts.changes ?? []);
  return store.lease(async () => {
    const tmp = store.content.ingestPath('import');
    try {
      // one pass: the blob is written, hashed and unpacked as the bytes arrive
      const staged = await store.layers.stageStream(input, opts.source ?? 'import', undefined, { blobFile: tmp });
      const { blob, compression } = staged.unpacked;
      try {
        store.layers.sync([staged], [tmp]);
        store.content.commitFile(tmp, blob.digest, blob.size, true);
        const { config, manifest } = putNewImage(store.content, {
          platform: { architecture: hostPlatform().architecture, os: 'linux' }, config: containerConfig,
          layer: { mediaType: layerMediaType(compression), ...blob, diffId: staged.info.diffId }, created: new Date().toISOString(),
          history: { comment: opts.message || `Imported from ${opts.source ?? '-'}` },
          comment: opts.message,
        });
        crashPoint('import:before-layer');
        store.layers.commit(staged);
        crashPoint('import:before-index');
        store.addManifest(manifest, opts.tag ? [opts.tag] : []);
        recordEvent(store.root, 'image', 'import', config.digest, { name: opts.tag ?? config.digest });
        return config.digest;
      } catch (e) {
        store.layers.discard(staged);
        throw e;
      }
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  });
}

/** `builder prune`: forget every build step's cache entry (images only the cache kept go at GC), cache mounts and file hashes. */
import fs from 'node:fs';
import path from 'node:path';
import { collectGarbage } from '../image/gc.js';
import { ImageStore } from '../image/ImageStore.js';
import { cacheMountDir } from './runMounts.js';
import { CACHE_ANNOTATION } from './stepImage.js';

export async function pruneBuildCache(root: string): Promise<{ bytes: number }> {
  const images = ImageStore.open(root);
  images.content.updateIndex((idx) => {
    idx.manifests = idx.manifests.filter((d) => !d.annotations?.[CACHE_ANNOTATION] || !!d.annotations['org.opencontainers.image.ref.name']);
  });
  const gc = await collectGarbage(images);
  fs.rmSync(cacheMountDir(root), { recursive: true, force: true });
  fs.rmSync(path.join(root, 'builder', 'files.json'), { force: true });
  return { bytes: gc.bytes };
}

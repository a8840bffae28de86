/**
 * Each build step's result is an image in the store (config + layers), untagged and
 * annotated with the step's cache key (`io.berth.build.cache`): the cache is the index
 * itself, GC keeps what it names, a RUN starts its container from it like `run` does, and
 * `builder prune` drops the annotation (and so the images) again. `images` hides them.
 */
import crypto from 'node:crypto';
import type { Digest, ImageId } from '../image/digest.js';
import type { ImageRecord } from '../image/ImageRecord.js';
import type { ImageStore } from '../image/ImageStore.js';
import { parseManifest, type Descriptor, type History, type ImageConfig, type Manifest } from '../image/manifest.js';
import { BUILD_CACHE, MT, REF_NAME } from '../image/mediaTypes.js';

export const CACHE_ANNOTATION = BUILD_CACHE;

/** What a step hands to the next: the image so far. */
export interface StepImage {
  id: ImageId;
  config: ImageConfig;
  layers: Descriptor[];
}

export function cacheKey(parts: unknown[]): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function fromRecord(r: ImageRecord): StepImage {
  return { id: r.id, config: r.config, layers: r.manifest.layers };
}

/** The step image recorded under `key`, if any (and still whole). */
export function findCached(store: ImageStore, key: string): StepImage | undefined {
  const d = store.content.readIndex().manifests.find((m) => m.annotations?.[CACHE_ANNOTATION] === key);
  if (!d || !store.content.has(d.digest)) return undefined;
  try {
    const m = parseManifest(store.content.read(d.digest), d.digest);
    if (!store.content.has(m.config.digest) || m.layers.some((l) => !store.content.has(l.digest))) return undefined;
    return fromRecord(store.resolve(m.config.digest));
  } catch {
    return undefined;
  }
}

/** Store a step's image: config (history appended unless none), layers, manifest; recorded under `key`. */
export function putStepImage(store: ImageStore, base: { config: ImageConfig; layers: Descriptor[] }, key: string, change: { config: ImageConfig; history?: History; layer?: { digest: Digest; size: number } }): StepImage {
  const cfg: ImageConfig = { ...change.config, history: [...(base.config.history ?? [])] };
  if (change.history) {
    cfg.history!.push(change.layer ? change.history : { ...change.history, empty_layer: true });
    if (change.history.created) cfg.created = change.history.created;
  }
  if (change.layer) cfg.rootfs = { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, change.layer.digest] };
  const layers = change.layer ? [...base.layers, { mediaType: MT.ociLayer, ...change.layer }] : base.layers;
  const config = store.content.putBuffer(Buffer.from(JSON.stringify(cfg)));
  const manifest: Manifest = { schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, ...config }, layers };
  const m = store.content.putBuffer(Buffer.from(JSON.stringify(manifest)));
  markCached(store, { mediaType: MT.ociManifest, ...m }, key);
  return { id: config.digest as ImageId, config: cfg, layers };
}

/** (Re-)add the cache descriptor of a manifest (tagging drops untagged descriptors of the same digest). */
export function markCached(store: ImageStore, desc: Descriptor, key: string): void {
  store.content.updateIndex((idx) => {
    if (idx.manifests.some((d) => d.digest === desc.digest && d.annotations?.[CACHE_ANNOTATION] === key)) return;
    idx.manifests.push({ mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [CACHE_ANNOTATION]: key } });
  });
}

/** The final image: tagged (tags move here), or shown as `<none>` when untagged; its cache entry stays. */
export function publish(store: ImageStore, img: StepImage, tags: string[]): void {
  const rec = store.resolve(img.id);
  const digest = rec.manifestDigests[0];
  const desc = store.manifestDescriptor(digest);
  const keys = store.content.readIndex().manifests.filter((d) => d.digest === digest && d.annotations?.[CACHE_ANNOTATION]).map((d) => d.annotations![CACHE_ANNOTATION]);
  if (tags.length) store.addManifest(desc, tags);
  else store.content.updateIndex((idx) => {
    if (!idx.manifests.some((d) => d.digest === digest && !d.annotations?.[CACHE_ANNOTATION])) idx.manifests.push({ mediaType: desc.mediaType, digest, size: desc.size });
  });
  for (const k of keys) markCached(store, desc, k);
}

/** Is an index descriptor only a build-cache entry (not a tag, not a plain untagged image)? */
export function isCacheOnly(d: Descriptor): boolean {
  return !!d.annotations?.[CACHE_ANNOTATION] && !d.annotations?.[REF_NAME];
}

import fs from 'node:fs';
import { recordEvent } from '../engine/eventLog.js';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { internal } from '../errors.js';
import { detectCompression, decompressor } from './decompress.js';
import { readHead } from './fileHead.js';
import { hexOf, type Digest } from './digest.js';
import type { ImageRecord } from './ImageRecord.js';
import type { ImageStore } from './ImageStore.js';
import { parseManifest, type Descriptor } from './manifest.js';
import { CONTAINERD_NAME, MT, REF_NAME } from './mediaTypes.js';
import { fullString, parseReference } from './reference.js';
import { newEntry } from './tar/TarEntry.js';
import { TarWriter } from './tar/TarWriter.js';

export type SaveFormat = 'docker' | 'oci';

/** What to save: an image and the tags to record for it (none when named by ID). */
export interface SaveItem {
  image: ImageRecord;
  tags: string[];
}

/** `name` without a tag or digest, when no `name:latest` exists: every tagged image of that repository. */
function repoImages(store: ImageStore, ref: string): SaveItem[] | undefined {
  let r;
  try {
    r = parseReference(ref, false);
  } catch {
    return undefined;
  }
  if (r.tag || r.digest || store.tagFor(`${ref}:latest`)) return undefined;
  const out: SaveItem[] = [];
  for (const image of store.list()) {
    const tags = image.tags.filter((t) => parseReference(t).repository === r.repository);
    if (tags.length) out.push({ image, tags });
  }
  return out.length ? out : undefined;
}

/** Resolve `save` arguments the way Docker does: a name without tag saves all its tags. */
export function saveItems(store: ImageStore, refs: string[]): SaveItem[] {
  const byId = new Map<string, SaveItem>();
  for (const ref of refs) {
    const repoOnly = repoImages(store, ref);
    if (repoOnly) {
      for (const it of repoOnly) {
        const cur = byId.get(it.image.id) ?? { image: it.image, tags: [] };
        for (const t of it.tags) if (!cur.tags.includes(t)) cur.tags.push(t);
        byId.set(it.image.id, cur);
      }
      continue;
    }
    const img = store.resolve(ref);
    let tags: string[] = [];
    if (!img.id.endsWith(ref) && !img.id.slice(7).startsWith(ref.replace(/^sha256:/, ''))) {
      const r = parseReference(ref, false);
      const repoTags = img.tags.filter((t) => parseReference(t).repository === r.repository);
      tags = r.tag ? repoTags.filter((t) => parseReference(t).tag === r.tag) : repoTags;
    }
    const it = byId.get(img.id) ?? { image: img, tags: [] };
    for (const t of tags) if (!it.tags.includes(t)) it.tags.push(t);
    byId.set(img.id, it);
  }
  return [...byId.values()];
}

async function* fileChunks(file: string): AsyncGenerator<Buffer> {
  yield* fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
}

async function* uncompressed(file: string): AsyncGenerator<Buffer> {
  const c = detectCompression(readHead(file));
  if (c === 'none') return yield* fileChunks(file);
  const d = decompressor(c);
  pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), d).catch((e: Error) => d.destroy(e));
  yield* d as AsyncIterable<Buffer>;
}

const fileEntry = (name: string, size: number) => newEntry({ name, type: 'file', size, mode: 0o644 });
const dirEntry = (name: string) => newEntry({ name, type: 'dir', mode: 0o755 });

/** docker-archive (what `docker load` reads): `<config hex>.json`, `<diff_id hex>/layer.tar`, manifest.json. */
async function saveDocker(store: ImageStore, items: SaveItem[], w: TarWriter): Promise<void> {
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const written = new Set<string>();
  for (const { image, tags } of items) {
    const m = image.manifest;
    const layers: string[] = [];
    for (let i = 0; i < m.layers.length; i++) {
      const diffId = image.config.rootfs.diff_ids[i];
      const name = `${hexOf(diffId)}/layer.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      written.add(name);
      const info = store.layers.info(diffId);
      const blob = store.content.path(m.layers[i].digest);
      const size = detectCompression(readHead(blob)) === 'none' ? fs.statSync(blob).size : info?.tarSize;
      if (size === undefined) throw internal(`layer ${diffId}: uncompressed size unknown`);
      await w.add(dirEntry(`${hexOf(diffId)}/`));
      await w.add(fileEntry(name, size), uncompressed(blob));
    }
    const cfgName = `${hexOf(image.id)}.json`;
    if (!written.has(cfgName)) {
      written.add(cfgName);
      const cfg = store.content.read(image.id);
      await w.add(fileEntry(cfgName, cfg.length), cfg);
    }
    manifest.push({ Config: cfgName, RepoTags: tags.length ? tags : null, Layers: layers });
  }
  const mj = Buffer.from(JSON.stringify(manifest));
  await w.add(fileEntry('manifest.json', mj.length), mj);
}

/** oci-archive: an OCI layout with every blob as stored (digests unchanged). */
async function saveOci(store: ImageStore, items: SaveItem[], w: TarWriter): Promise<void> {
  const index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] } = { schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] };
  const blobs = new Set<Digest>();
  await w.add(dirEntry('blobs/'));
  await w.add(dirEntry('blobs/sha256/'));
  const addBlob = async (d: Digest) => {
    if (blobs.has(d)) return;
    blobs.add(d);
    const f = store.content.path(d);
    await w.add(fileEntry(`blobs/sha256/${hexOf(d)}`, fs.statSync(f).size), fileChunks(f));
  };
  for (const { image, tags } of items) {
    const md = image.manifestDigests[0];
    const m = parseManifest(store.content.read(md), md);
    for (const l of m.layers) await addBlob(l.digest);
    await addBlob(m.config.digest);
    await addBlob(md);
    const desc = store.manifestDescriptor(md);
    if (tags.length === 0) index.manifests.push(desc);
    for (const t of tags) index.manifests.push({ ...desc, annotations: { [REF_NAME]: t, [CONTAINERD_NAME]: fullString(parseReference(t)) } });
  }
  const layout = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await w.add(fileEntry('oci-layout', layout.length), layout);
  const ij = Buffer.from(JSON.stringify(index));
  await w.add(fileEntry('index.json', ij.length), ij);
}

/** `berth save`: write images as a docker-archive (default) or oci-archive tar to `out`. */
export async function saveArchive(store: ImageStore, items: SaveItem[], out: Writable, format: SaveFormat = 'docker'): Promise<void> {
  const w = new TarWriter(out);
  if (format === 'oci') await saveOci(store, items, w);
  else await saveDocker(store, items, w);
  await w.finish();
  for (const i of items) recordEvent(store.root, 'image', 'save', i.image.id, { name: i.tags[0] ?? i.image.id });
}

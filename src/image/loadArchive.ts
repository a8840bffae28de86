import { invalidArgument } from '../errors.js';
import { recordEvent } from '../engine/eventLog.js';
import { ArchiveStaging, stageArchive, type StagedFile } from './archiveStaging.js';
import { crashPoint } from './crashPoint.js';
import { readHead } from './fileHead.js';
import { detectCompression } from './decompress.js';
import { hexOf, isDigest, type Digest, type ImageId } from './digest.js';
import type { ImageStore } from './ImageStore.js';
import type { StagedLayer } from './LayerStore.js';
import { parseConfig, parseManifestOrIndex, pickPlatform, type Descriptor, type ImageConfig, type Manifest } from './manifest.js';
import { CONTAINERD_NAME, layerMediaType, MT, REF_NAME } from './mediaTypes.js';
import { familiarString, parseReference, parseTagReference } from './reference.js';
import fs from 'node:fs';

/** One image found in an archive, fully verified and staged, not yet in the store. */
interface PlannedImage {
  config: StagedFile & { parsed: ImageConfig };
  manifest?: StagedFile;
  layers: { blob: StagedFile; mediaType: string }[];
  tags: string[];
}

export interface LoadResult {
  images: { id: ImageId; tags: string[] }[];
}

function readFile(st: ArchiveStaging, f: StagedFile): Buffer {
  return fs.readFileSync(f.file);
}

/** docker-archive: manifest.json → [{Config, RepoTags, Layers}]. */
function planDocker(st: ArchiveStaging, mj: Buffer): PlannedImage[] {
  let list: unknown;
  try {
    list = JSON.parse(mj.toString('utf8'));
  } catch {
    throw invalidArgument('invalid archive: manifest.json is not valid JSON');
  }
  if (!Array.isArray(list)) throw invalidArgument('invalid archive: manifest.json is not a list');
  return list.map((m: { Config?: unknown; RepoTags?: unknown; Layers?: unknown }, i) => {
    if (typeof m.Config !== 'string' || !Array.isArray(m.Layers)) throw invalidArgument(`invalid archive: manifest.json entry ${i} lacks Config or Layers`);
    const cf = st.get(m.Config);
    if (!cf) throw invalidArgument(`invalid archive: config ${m.Config} is missing`);
    const parsed = parseConfig(readFile(st, cf), `config ${m.Config}`);
    const layers = m.Layers.map((l: unknown) => {
      const b = typeof l === 'string' ? st.get(l) : undefined;
      if (!b) throw invalidArgument(`invalid archive: layer ${String(l)} is missing`);
      return { blob: b, mediaType: '' };
    });
    if (layers.length !== parsed.rootfs.diff_ids.length) throw invalidArgument(`invalid archive: ${m.Config} has ${parsed.rootfs.diff_ids.length} diff_ids but ${layers.length} layers`);
    const tags = Array.isArray(m.RepoTags) ? m.RepoTags.map((t) => familiarString(parseTagReference(String(t)))) : [];
    return { config: { ...cf, parsed }, layers, tags };
  });
}

function blobIn(st: ArchiveStaging, d: Descriptor, what: string): StagedFile {
  if (!isDigest(d.digest)) throw invalidArgument(`invalid archive: ${what} has a bad digest`);
  const f = st.get(`blobs/sha256/${hexOf(d.digest)}`);
  if (!f) throw invalidArgument(`invalid archive: ${what} blob ${d.digest} is missing`);
  if (f.digest !== d.digest) throw invalidArgument(`invalid archive: ${what} blob ${d.digest} has digest ${f.digest}`);
  if (f.size !== d.size) throw invalidArgument(`invalid archive: ${what} blob ${d.digest} has size ${f.size}, descriptor says ${d.size}`);
  return f;
}

function tagFromAnnotations(a?: Record<string, string>): string | undefined {
  const full = a?.[CONTAINERD_NAME];
  const rn = a?.[REF_NAME];
  for (const cand of [full, rn]) {
    if (!cand) continue;
    try {
      const r = parseReference(cand, false);
      if (r.tag && !r.digest && (cand.includes(':') || cand.includes('/'))) return familiarString(r);
    } catch {
      /* a bare tag like "latest" */
    }
  }
  return undefined;
}

/** oci-archive: index.json → manifests (or nested indexes → the host platform). */
function planOci(st: ArchiveStaging, ij: Buffer): PlannedImage[] {
  const top = parseManifestOrIndex(ij, 'index.json');
  if (!('index' in top)) throw invalidArgument('invalid archive: index.json is not an image index');
  return top.index.manifests.map((d0, i) => {
    let d = d0;
    let buf = readFile(st, blobIn(st, d, `index.json manifests[${i}]`));
    let parsed = parseManifestOrIndex(buf, `manifest ${d.digest}`);
    for (let depth = 0; 'index' in parsed; depth++) {
      if (depth > 4) throw invalidArgument('invalid archive: nested indexes too deep');
      d = pickPlatform(parsed.index, `index ${d.digest}`);
      buf = readFile(st, blobIn(st, d, 'manifest'));
      parsed = parseManifestOrIndex(buf, `manifest ${d.digest}`);
    }
    const m: Manifest = parsed.manifest;
    const cf = blobIn(st, m.config, 'config');
    const config = parseConfig(readFile(st, cf), `config ${m.config.digest}`);
    if (m.layers.length !== config.rootfs.diff_ids.length) throw invalidArgument(`invalid archive: manifest ${d.digest} has ${m.layers.length} layers, config has ${config.rootfs.diff_ids.length} diff_ids`);
    const layers = m.layers.map((l, j) => ({ blob: blobIn(st, l, `layer ${j}`), mediaType: l.mediaType }));
    const tag = tagFromAnnotations(d0.annotations);
    return { config: { ...cf, parsed: config }, manifest: blobIn(st, d, 'manifest'), layers, tags: tag ? [tag] : [] };
  });
}

/**
 * `berth load`: a docker-archive or oci-archive (optionally gzip/zstd compressed) from a
 * stream. Everything is staged and verified (blob digests and sizes, every layer's
 * diff_id by unpacking it) before anything becomes visible; the index is written last.
 */
export async function loadArchive(store: ImageStore, input: AsyncIterable<Buffer | string>): Promise<LoadResult> {
  return store.lease(async () => {
    const st = await stageArchive(input, store.content.ingestPath('load'), store.layers);
    const staged: StagedLayer[] = [];
    try {
      crashPoint('load:staged');
      const mj = st.read('manifest.json');
      const ij = st.read('index.json');
      if (!mj && !ij) throw invalidArgument('invalid archive: no manifest.json (docker-archive) or index.json (oci-archive) found');
      const plan = ij && (st.get('oci-layout') || !mj) ? planOci(st, ij) : planDocker(st, mj!);
      if (plan.length === 0) throw invalidArgument('invalid archive: it contains no images');
      const done = new Map<Digest, StagedLayer>();
      const todo = new Map<Digest, { file: string; what: string }>();
      for (const img of plan) {
        const ids = img.config.parsed.rootfs.diff_ids;
        for (let i = 0; i < img.layers.length; i++) {
          if (store.layers.has(ids[i]) || done.has(ids[i]) || todo.has(ids[i])) continue;
          const blob = img.layers[i].blob;
          const fly = st.unpacked.get(blob.digest);
          if (fly && fly.info.diffId === ids[i]) {
            st.unpacked.delete(blob.digest);
            done.set(ids[i], fly);
            staged.push(fly);
            continue;
          }
          todo.set(ids[i], { file: blob.file, what: `${i} (${blob.digest})` });
        }
      }
      // layers not unpacked on the fly (a bad one says why here): all at once, in worker threads
      const results = await Promise.allSettled([...todo].map(async ([id, t]) => {
        const s = await store.layers.stage(t.file, t.what, id);
        done.set(id, s);
        staged.push(s);
      }));
      const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
      // one syncfs for every layer and blob, then nothing but renames
      store.layers.sync(staged, [st.dir]);
      for (const f of st.files.values()) f.synced = true;
      crashPoint('load:layers-staged');
      const images = plan.map((img) => commitImage(store, img, done));
      for (const i of images) recordEvent(store.root, 'image', 'load', i.id, { name: i.tags[0] ?? i.id });
      return { images };
    } finally {
      for (const s of staged) store.layers.discard(s);
      st.remove();
    }
  });
}

function commitImage(store: ImageStore, img: PlannedImage, done: Map<Digest, StagedLayer>): { id: ImageId; tags: string[] } {
  const c = store.content;
  for (const l of img.layers) copyOrCommit(store, l.blob);
  copyOrCommit(store, img.config);
  let mdesc: Descriptor;
  if (img.manifest) {
    copyOrCommit(store, img.manifest);
    mdesc = store.manifestDescriptor(img.manifest.digest);
  } else {
    const m: Manifest = {
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: img.config.digest, size: img.config.size },
      layers: img.layers.map((l) => ({ mediaType: layerMediaType(detectCompression(readHead(store.content.path(l.blob.digest)))), digest: l.blob.digest, size: l.blob.size })),
    };
    mdesc = { mediaType: MT.ociManifest, ...c.putBuffer(Buffer.from(JSON.stringify(m))) };
  }
  for (const id of img.config.parsed.rootfs.diff_ids) {
    const s = done.get(id);
    if (s && fs.existsSync(s.dir)) store.layers.commit(s);
  }
  crashPoint('load:before-index');
  store.addManifest(mdesc, img.tags);
  return { id: img.config.digest, tags: img.tags };
}


/** Rename a staged file into blobs/ (or copy when it was already moved for another image). */
function copyOrCommit(store: ImageStore, f: StagedFile): void {
  if (store.content.has(f.digest)) return;
  if (!fs.existsSync(f.file)) throw invalidArgument(`blob ${f.digest} vanished from staging`);
  store.content.commitFile(f.file, f.digest, f.size, f.synced);
}

import fs from 'node:fs';
import { recordEvent } from '../engine/eventLog.js';
import { notFound } from '../errors.js';
import { shortId, type Digest } from '../image/digest.js';
import type { ImageStore } from '../image/ImageStore.js';
import { parseManifest, type Descriptor } from '../image/manifest.js';
import { MT, REF_NAME } from '../image/mediaTypes.js';
import { familiarString, parseReference } from '../image/reference.js';
import { chunkedUpload, pushChunkSize } from './chunkedUpload.js';
import { limited } from './limited.js';
import { RegistryClient } from './client.js';
import type { RemoteRef } from './reference.js';
import { silent, type Reporter } from './Reporter.js';
import { knownSources, recordSource } from './sources.js';

export interface PushOptions {
  concurrency?: number;
  report?: Reporter;
  client?: RegistryClient;
}

export interface PushResult {
  tag: string;
  digest: Digest;
  size: number;
}

/** The manifest stored under a familiar tag (the exact bytes, so the digest survives the trip). */
function taggedManifest(store: ImageStore, tag: string): Descriptor {
  for (const d of store.content.readIndex().manifests) {
    const t = d.annotations?.[REF_NAME];
    if (t && familiarString(parseReference(t)) === tag) return d;
  }
  throw notFound(`tag does not exist: ${tag}`, { code: 'image.notFound', exitCode: 1 });
}

/**
 * `push`: send one tagged image to its registry. Each blob is checked with HEAD first
 * (`Layer already exists`), mounted from another repository of the same registry when berth
 * knows one holds it (`Mounted from ...`), else uploaded whole (POST + PUT) from the stored
 * file, bytes as they are (no recompression). The manifest goes last, unchanged.
 */
export async function pushImage(store: ImageStore, ref: RemoteRef & { tag: string }, o: PushOptions = {}): Promise<PushResult> {
  const report = o.report ?? silent;
  const client = o.client ?? RegistryClient.forRef(ref);
  const tag = familiarString({ repository: ref.repository, tag: ref.tag });
  const chunk = pushChunkSize();
  return store.lease(async () => {
    const mdesc = taggedManifest(store, tag);
    const buf = store.content.read(mdesc.digest);
    const m = parseManifest(buf, `manifest ${mdesc.digest}`);
    const blobs = [...m.layers, m.config].filter((d, i, all) => all.findIndex((x) => x.digest === d.digest) === i);
    for (const d of blobs) if (!store.content.has(d.digest)) throw notFound(`blob ${d.digest} of ${tag} is not in the store`, { exitCode: 1 });
    const isLayer = (d: Descriptor) => d !== m.config;
    for (const d of blobs) if (isLayer(d)) report.layer(shortId(d.digest), 'Preparing');
    const concurrency = o.concurrency ?? 3;
    blobs.slice(concurrency).forEach((d) => isLayer(d) && report.layer(shortId(d.digest), 'Waiting'));
    await limited(concurrency, blobs.map((d) => () => pushBlob(store, client, ref, d, isLayer(d) ? report : silent, chunk)));
    const mediaType = typeof (JSON.parse(buf.toString('utf8')) as { mediaType?: unknown }).mediaType === 'string' ? m.mediaType! : mdesc.mediaType ?? MT.ociManifest;
    const digest = await client.putManifest(ref.path, ref.tag, mediaType, buf);
    report.line(`${ref.tag}: digest: ${digest} size: ${buf.length}`);
    recordEvent(store.root, 'image', 'push', tag, { name: ref.repository });
    return { tag: ref.tag, digest, size: buf.length };
  });
}

async function pushBlob(store: ImageStore, client: RegistryClient, ref: RemoteRef, d: Descriptor, report: Reporter, chunk: number | undefined): Promise<void> {
  const sid = shortId(d.digest);
  if (await client.hasBlob(ref.path, d.digest)) {
    report.layer(sid, 'Layer already exists');
    recordSource(store.root, d.digest, ref.domain, ref.path);
    return;
  }
  const from = knownSources(store.root, d.digest, ref.domain).find((p) => p !== ref.path);
  const up = await client.startUpload(ref.path, d.digest, from);
  if (up.mounted) {
    report.layer(sid, `Mounted from ${from}`);
    recordSource(store.root, d.digest, ref.domain, ref.path);
    return;
  }
  report.layer(sid, 'Pushing', { done: 0, total: d.size });
  const file = store.content.path(d.digest);
  if (chunk !== undefined && d.size > Math.max(chunk, up.minChunk ?? 0)) {
    await chunkedUpload(client, {
      repoPath: ref.path,
      location: up.location,
      digest: d.digest,
      size: d.size,
      chunk,
      minChunk: up.minChunk,
      open: (start, end) => fs.createReadStream(file, { start, end, highWaterMark: 1 << 20 }),
      onProgress: (done) => report.layer(sid, 'Pushing', { done, total: d.size }),
    });
  } else {
    await client.finishUpload(ref.path, up.location, d.digest, d.size, () => {
      let sent = 0;
      let shown = 0;
      return fs.createReadStream(file, { highWaterMark: 1 << 20 }).on('data', (c) => {
        sent += c.length;
        if (sent - shown >= 512 << 10 || sent === d.size) {
          shown = sent;
          report.layer(sid, 'Pushing', { done: sent, total: d.size });
        }
      });
    });
  }
  report.layer(sid, 'Pushed');
  recordSource(store.root, d.digest, ref.domain, ref.path);
}

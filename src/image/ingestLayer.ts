import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, invalidArgument } from '../errors.js';
import type { Digest } from './digest.js';
import { LayerFeed } from './LayerFeed.js';
import type { LayerStore, StagedLayer } from './LayerStore.js';

export interface IngestedLayer {
  /** The blob as received, in ingest/, verified (size and digest); not yet synced (`LayerStore.sync`). */
  file: string;
  /** The unpacked layer (verified against diff_id), when unpacking was asked for. */
  staged?: StagedLayer;
}

export interface IngestOptions {
  /** Where the blob goes (a path under the content store's ingest/). */
  file: string;
  digest: Digest;
  size: number;
  /** Unpack into this layer store while the bytes arrive, checking `diffId`. */
  unpack?: { layers: LayerStore; diffId: Digest };
  /** Called with the bytes received so far. */
  onBytes?: (n: number) => void;
  /** Called once the blob's digest matched (before the diff_id check finishes). */
  onVerified?: () => void;
  what: string;
}

/**
 * Receive a layer blob from a stream of chunks in one pass: write it to ingest/, hash it
 * and, at the same time, hand it to a LayerFeed (decompressed, hashed for the diff_id and
 * applied to a staged layer dir, in a worker thread when it is big). Nothing is visible in
 * the store: the caller syncs (one syncfs for all layers) and commits file and layer once
 * every check passed. Too many bytes, a wrong digest or a wrong diff_id throw (and leave
 * nothing behind).
 */
export async function ingestLayer(src: AsyncIterable<Buffer>, o: IngestOptions): Promise<IngestedLayer> {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(o.file, 'w', 0o644);
  const staged = o.unpack ? o.unpack.layers.begin() : undefined;
  let feed = staged ? new LayerFeed(path.join(staged.dir, 'diff')) : undefined;
  let n = 0;
  let ok = false;
  try {
    for await (const chunk of src) {
      n += chunk.length;
      if (n > o.size) throw invalidArgument(`${o.what}: more than the ${o.size} bytes its descriptor says`, { code: 'registry.size', exitCode: 1 });
      hash.update(chunk);
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      o.onBytes?.(n);
      if (feed) {
        feed.push(chunk);
        await unpackResult(feed.ready(), o.what);
      }
    }
    const got: Digest = `sha256:${hash.digest('hex')}`;
    if (n !== o.size || got !== o.digest) throw invalidArgument(`filesystem layer verification failed for digest ${o.digest}`, { code: 'registry.digest', exitCode: 1 });
    o.onVerified?.();
    if (feed) {
      const f = feed;
      feed = undefined;
      const r = await unpackResult(f.finish(), o.what);
      const diffId = r.diffId ?? got;
      if (diffId !== o.unpack!.diffId) throw invalidArgument(`${o.what}: content digest ${diffId} does not match diff_id ${o.unpack!.diffId}`, { code: 'layer.digest', exitCode: 1 });
      staged!.info = { diffId, size: r.size, tarSize: r.tarSize, link: '', opaque: r.opaque };
    }
    ok = true;
    return { file: o.file, staged };
  } finally {
    fs.closeSync(fd);
    if (!ok) {
      await feed?.abort();
      if (staged) o.unpack!.layers.discard(staged);
      fs.rmSync(o.file, { force: true });
    }
  }
}

async function unpackResult<T>(p: Promise<T>, what: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof BerthError) throw invalidArgument(`layer ${what}: ${e.message}`, { code: e.code, exitCode: 1, cause: e });
    throw invalidArgument(`layer ${what}: corrupt or truncated compressed data (${(e as Error).message})`, { code: 'layer.corrupt', exitCode: 1, cause: e });
  }
}

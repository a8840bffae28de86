import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, invalidArgument } from '../errors.js';
import type { Digest } from './digest.js';
import { INLINE_MAX, LayerFeed } from './LayerFeed.js';
import type { LayerStore, StagedLayer } from './LayerStore.js';

export interface IngestedLayer {
  /** The blob as received, in ingest/, verified (size and digest); not yet synced (`LayerStore.sync`). */
  file: string;
  /** The unpacked layer (verified against diff_id), when unpacking was asked for. */
  staged?: StagedLayer;
  /** Bytes that were already on disk (read back, not fetched). */
  resumed: number;
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
  /**
   * `file` may already hold the first bytes of this blob (a pull that was interrupted or
   * killed): they are read back through the hash and the unpacker, and only the rest is
   * asked of the source. Such a file is kept when the source fails, for the next attempt.
   */
  resume?: boolean;
}

/** Where the blob's bytes come from: a stream, or a function given how many bytes are already on disk. */
export type IngestSource = AsyncIterable<Buffer> | ((have: number) => AsyncIterable<Buffer>);

const READ_BACK = 1 << 20;

/**
 * Receive a layer blob from a stream of chunks in one pass: write it to ingest/, hash it
 * and, at the same time, hand it to a LayerFeed (decompressed, hashed for the diff_id and
 * applied to a staged layer dir, in a worker thread when it is big). Nothing is visible in
 * the store: the caller syncs (one syncfs for all layers) and commits file and layer once
 * every check passed. Too many bytes, a wrong digest or a wrong diff_id throw (and leave
 * nothing behind). With `resume`, bytes already in `file` are read back through the hash and
 * the feed, and only the rest is asked of the source.
 */
export async function ingestLayer(src: IngestSource, o: IngestOptions): Promise<IngestedLayer> {
  const hash = crypto.createHash('sha256');
  const fd = o.resume ? fs.openSync(o.file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644) : fs.openSync(o.file, 'w', 0o644);
  let have = o.resume ? fs.fstatSync(fd).size : 0;
  if (have > o.size) {
    fs.ftruncateSync(fd, 0);
    have = 0;
  }
  const staged = o.unpack ? o.unpack.layers.begin() : undefined;
  // the unpacker (a worker for big layers) also writes the blob file, past the bytes already there
  // (the size is known: the thread is chosen at once, so bytes reach the file as they arrive)
  let feed = staged ? new LayerFeed(path.join(staged.dir, 'diff'), o.size >= INLINE_MAX ? 'worker' : 'inline', { file: o.file, from: have }) : undefined;
  let sourceFailed = false;
  let n = 0;
  let ok = false;
  const take = async (chunk: Buffer, write: boolean) => {
    n += chunk.length;
    if (n > o.size) throw invalidArgument(`${o.what}: more than the ${o.size} bytes its descriptor says`, { code: 'registry.size', exitCode: 1 });
    hash.update(chunk);
    let off = 0;
    while (write && !feed && off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off, n - chunk.length + off);
    o.onBytes?.(n);
    if (feed) {
      feed.push(chunk);
      await unpackResult(feed.ready(), o.what);
    }
  };
  try {
    const buf = Buffer.alloc(Math.min(READ_BACK, Math.max(have, 1)));
    for (let at = 0; at < have; ) {
      const k = fs.readSync(fd, buf, 0, Math.min(buf.length, have - at), at);
      if (k <= 0) throw invalidArgument(`${o.what}: partial blob ${o.file} shrank while read`, { code: 'registry.partial', exitCode: 1 });
      at += k;
      await take(Buffer.from(buf.subarray(0, k)), false);
    }
    const it = (typeof src === 'function' ? src(have) : src)[Symbol.asyncIterator]();
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (e) {
        sourceFailed = true;
        throw e;
      }
      if (r.done) break;
      await take(r.value, true);
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
    return { file: o.file, staged, resumed: have };
  } finally {
    const keep = !ok && sourceFailed && o.resume;
    if (!ok && feed) {
      // stop the unpacker; for a partial kept, first let every byte received reach the file
      if (keep) await feed.finish().catch(() => {});
      else await feed.abort();
    }
    // A partial blob kept for the next attempt must survive a crash: it is synced here (the
    // complete ones are synced once for the whole pull by the caller).
    if (keep) fs.fsyncSync(fd);
    fs.closeSync(fd);
    if (!ok) {
      if (staged) o.unpack!.layers.discard(staged);
      if (!(sourceFailed && o.resume)) fs.rmSync(o.file, { force: true });
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

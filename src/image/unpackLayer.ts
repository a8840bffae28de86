import crypto from 'node:crypto';
import fs from 'node:fs';
import { BerthError, invalidArgument } from '../errors.js';
import { type Digest } from './digest.js';
import { detectCompression, type Compression } from './decompress.js';
import type { ApplyResult } from './LayerApplier.js';
import { LayerFeed, type UnpackThread } from './LayerFeed.js';
import { isGiven, readFileChunks } from './chunkPool.js';
import { ioProfile, now } from './unpackProfile.js';

export interface UnpackResult extends ApplyResult {
  diffId: Digest;
  /** Bytes of the uncompressed tar stream. */
  tarSize: number;
}

export interface StreamUnpackResult extends UnpackResult {
  /** The input as given (compressed or not): what a blob of it is named by. */
  blob: { digest: Digest; size: number };
  compression: Compression;
}

export interface UnpackOptions {
  /** Also write the input bytes, as they are, to this new file (O_EXCL): the blob, in the same pass. */
  blobFile?: string;
  /** Where the file system work runs (default: a worker thread for layers over a few MB). */
  thread?: UnpackThread;
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

/** One line naming the layer for whatever went wrong while unpacking it. */
function layerError(e: unknown, what: string, c: Compression): unknown {
  if (e instanceof BerthError) return invalidArgument(`layer ${what}: ${e.message}`, { code: e.code, cause: e });
  const z = (e as { code?: string }).code;
  if (typeof z === 'string' && z.startsWith('Z_')) return invalidArgument(`layer ${what}: corrupt or truncated ${c} data (${(e as Error).message})`, { cause: e });
  if (c === 'zstd' && !(e as { syscall?: string }).syscall) return invalidArgument(`layer ${what}: corrupt or truncated zstd data (${(e as Error).message})`, { cause: e });
  return e;
}

async function unpackChunks(src: AsyncIterable<Buffer | string>, owned: boolean, dest: string, what: string, expected: Digest | undefined, o: UnpackOptions): Promise<StreamUnpackResult> {
  const feed = new LayerFeed(dest, o.thread);
  const hash = crypto.createHash('sha256');
  const p = ioProfile();
  let size = 0;
  let c: Compression | undefined;
  const fd = o.blobFile ? fs.openSync(o.blobFile, 'wx', 0o644) : undefined;
  let r;
  try {
    let t = p ? now() : 0;
    for await (const chunk of src) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (p) t = p.add('read', t);
      c ??= detectCompression(b);
      hash.update(b);
      if (p) t = p.add('sha256', t);
      size += b.length;
      if (fd !== undefined) writeAll(fd, b);
      // a chunk read into a pooled buffer is ours: its memory goes to the worker as it is
      feed.push(b, owned || isGiven(b));
      await feed.ready();
      if (p) t = p.add('handoff', t);
    }
    r = await feed.finish();
  } catch (e) {
    await feed.abort();
    throw layerError(e, what, c ?? 'none');
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const blob = { digest: `sha256:${hash.digest('hex')}` as Digest, size };
  const diffId = r.diffId ?? blob.digest;
  if (expected && diffId !== expected) throw invalidArgument(`layer ${what}: content digest ${diffId} does not match diff_id ${expected}`, { code: 'layer.digest' });
  return { diffId, tarSize: r.tarSize, size: r.size, opaque: r.opaque, whiteouts: r.whiteouts, blob, compression: r.compression };
}

/**
 * Unpack a layer blob (tar, tar+gzip or tar+zstd, detected from its bytes) into the empty
 * directory `dest`, computing the diff_id on the way and checking it against `expected`.
 * `what` names the layer in errors.
 */
export async function unpackLayer(blobFile: string, dest: string, what: string, expected?: Digest, o: UnpackOptions = {}): Promise<UnpackResult> {
  const r = await unpackChunks(readFileChunks(blobFile), true, dest, what, expected, { ...o, blobFile: undefined });
  return { diffId: r.diffId, tarSize: r.tarSize, size: r.size, opaque: r.opaque, whiteouts: r.whiteouts };
}

/**
 * `unpackLayer` for bytes that arrive (a registry download, stdin): one pass computes the
 * input's digest (the blob's), the diff_id (for compressed input) and unpacks, optionally
 * writing the blob to `o.blobFile` on the way. Chunks are not kept after the call.
 */
export function unpackLayerStream(src: AsyncIterable<Buffer | string>, dest: string, what: string, expected?: Digest, o: UnpackOptions = {}): Promise<StreamUnpackResult> {
  return unpackChunks(src, false, dest, what, expected, o);
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import { BerthError, invalidArgument } from '../errors.js';
import { detectCompression, decompressor } from './decompress.js';
import type { Digest } from './digest.js';
import { LayerApplier } from './LayerApplier.js';
import type { LayerStore, StagedLayer } from './LayerStore.js';
import { TarParser } from './tar/TarParser.js';

export interface IngestedLayer {
  /** The blob as received, in ingest/, verified (size and digest), fsynced. */
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
 * and, at the same time, decompress it and apply the tar to a staged layer dir. Nothing
 * is visible in the store: the caller commits file and layer once every check passed.
 * Too many bytes, a wrong digest or a wrong diff_id throw (and leave nothing behind).
 */
export async function ingestLayer(src: AsyncIterable<Buffer>, o: IngestOptions): Promise<IngestedLayer> {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(o.file, 'w', 0o644);
  let staged: StagedLayer | undefined;
  let consumer: Promise<{ diffId: Digest; tarSize: number; size: number; opaque: string[] }> | undefined;
  let dec: Transform | undefined;
  let applier: LayerApplier | undefined;
  let head = Buffer.alloc(0);
  let n = 0;
  let ok = false;
  const startUnpack = (first: Buffer) => {
    staged = o.unpack!.layers.begin();
    applier = new LayerApplier(path.join(staged.dir, 'diff'));
    const parser = new TarParser(applier);
    const c = detectCompression(first);
    dec = decompressor(c);
    const d = dec;
    const diffHash = crypto.createHash('sha256');
    consumer = (async () => {
      let tarSize = 0;
      for await (const chunk of d as AsyncIterable<Buffer>) {
        diffHash.update(chunk);
        tarSize += chunk.length;
        parser.write(chunk);
      }
      parser.end();
      const r = applier!.finish();
      return { diffId: `sha256:${diffHash.digest('hex')}` as Digest, tarSize, size: r.size, opaque: r.opaque };
    })();
    consumer.catch(() => undefined);
  };
  const feed = async (b: Buffer) => {
    if (!dec) return;
    if (!dec.write(b)) await unpackResult(Promise.race([once(dec, 'drain'), consumer!]), o.what);
  };
  try {
    for await (const chunk of src) {
      n += chunk.length;
      if (n > o.size) throw invalidArgument(`${o.what}: more than the ${o.size} bytes its descriptor says`, { code: 'registry.size', exitCode: 1 });
      hash.update(chunk);
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      o.onBytes?.(n);
      if (o.unpack && !dec) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= 4) {
          startUnpack(head);
          await feed(head);
        }
      } else await feed(chunk);
    }
    if (o.unpack && !dec) {
      startUnpack(head);
      await feed(head);
    }
    const got: Digest = `sha256:${hash.digest('hex')}`;
    if (n !== o.size || got !== o.digest) throw invalidArgument(`filesystem layer verification failed for digest ${o.digest}`, { code: 'registry.digest', exitCode: 1 });
    fs.fsyncSync(fd);
    o.onVerified?.();
    if (dec) {
      dec.end();
      const r = await unpackResult(consumer!, o.what);
      if (r.diffId !== o.unpack!.diffId) throw invalidArgument(`${o.what}: content digest ${r.diffId} does not match diff_id ${o.unpack!.diffId}`, { code: 'layer.digest', exitCode: 1 });
      staged!.info = { diffId: r.diffId, size: r.size, tarSize: r.tarSize, link: '', opaque: r.opaque };
    }
    ok = true;
    return { file: o.file, staged };
  } finally {
    fs.closeSync(fd);
    if (!ok) {
      dec?.destroy();
      applier?.abort();
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

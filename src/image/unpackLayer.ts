import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { BerthError, invalidArgument } from '../errors.js';
import { type Digest } from './digest.js';
import { detectCompression, decompressor } from './decompress.js';
import { readHead } from './fileHead.js';
import { LayerApplier, type ApplyResult } from './LayerApplier.js';
import { TarParser } from './tar/TarParser.js';
import { ioProfile, now, type IoProfile } from './unpackProfile.js';

export interface UnpackResult extends ApplyResult {
  diffId: Digest;
  /** Bytes of the uncompressed tar stream. */
  tarSize: number;
}


const APPLY_PHASES = ['paths', 'create', 'write', 'meta'] as const;

/** parser.write, with the time not spent in the applier counted as 'parse'. */
function parseTimed(p: IoProfile, parser: TarParser, chunk: Buffer): void {
  const applied = () => APPLY_PHASES.reduce((a, k) => a + (p.ms[k] ?? 0), 0);
  const a0 = applied();
  const t0 = now();
  try {
    parser.write(chunk);
  } finally {
    p.add('parse', t0 + applied() - a0);
  }
}

/**
 * Unpack a layer blob (tar, tar+gzip or tar+zstd, detected from its bytes) into the empty
 * directory `dest`, computing the diff_id on the way and checking it against `expected`.
 * `what` names the layer in errors.
 */
export async function unpackLayer(blobFile: string, dest: string, what: string, expected?: Digest): Promise<UnpackResult> {
  const c = detectCompression(readHead(blobFile));
  const hash = crypto.createHash('sha256');
  const applier = new LayerApplier(dest);
  const parser = new TarParser(applier);
  let tarSize = 0;
  let failure: unknown;
  try {
    await pipeline(fs.createReadStream(blobFile, { highWaterMark: 1 << 20 }), decompressor(c), async function (src: AsyncIterable<Buffer>) {
      const p = ioProfile();
      let t = p ? now() : 0;
      for await (const chunk of src) {
        if (p) t = p.add(c === 'none' ? 'read' : 'decompress', t);
        hash.update(chunk);
        if (p) t = p.add('sha256', t);
        tarSize += chunk.length;
        try {
          if (p) parseTimed(p, parser, chunk);
          else parser.write(chunk);
        } catch (e) {
          failure = e;
          throw e;
        }
        if (p) t = now();
      }
    });
    parser.end();
  } catch (e0) {
    const e = failure ?? e0;
    applier.abort();
    if (e instanceof BerthError) throw invalidArgument(`layer ${what}: ${e.message}`, { code: e.code, cause: e });
    const z = (e as { code?: string }).code;
    if (typeof z === 'string' && z.startsWith('Z_')) throw invalidArgument(`layer ${what}: corrupt or truncated ${c} data (${(e as Error).message})`, { cause: e });
    if (c === 'zstd' && !(e as { syscall?: string }).syscall) throw invalidArgument(`layer ${what}: corrupt or truncated zstd data (${(e as Error).message})`, { cause: e });
    throw e;
  }
  const diffId: Digest = `sha256:${hash.digest('hex')}`;
  if (expected && diffId !== expected) throw invalidArgument(`layer ${what}: content digest ${diffId} does not match diff_id ${expected}`, { code: 'layer.digest' });
  return { diffId, tarSize, ...applier.finish() };
}

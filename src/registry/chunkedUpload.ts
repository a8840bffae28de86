import type { Readable } from 'node:stream';
import { invalidArgument } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { retryable, retryWait } from './blobChunks.js';
import { header, type RegistryClient } from './client.js';
import { readBody } from './http.js';
import { registryError } from './registryError.js';

const ERROR_BODY = 64 << 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * BERTH_PUSH_CHUNK_SIZE (bytes, or with a k/m/g suffix): blobs bigger than this are uploaded
 * in chunked PATCHes of this size; unset, every blob goes in one PUT.
 */
export function pushChunkSize(env = process.env.BERTH_PUSH_CHUNK_SIZE): number | undefined {
  if (!env) return undefined;
  const m = /^(\d+)([kmg]?)b?$/i.exec(env.trim());
  const n = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw invalidArgument(`BERTH_PUSH_CHUNK_SIZE=${JSON.stringify(env.slice(0, 40))}: not a size in bytes`, { code: 'registry.chunk', exitCode: 1 });
  return n;
}

/** `Range: 0-N` of an upload reply: the bytes the registry holds (N + 1), or undefined. */
export function rangeEnd(v: string | undefined): number | undefined {
  const m = v ? /^(?:bytes=)?0-(\d+)$/.exec(v.trim()) : null;
  return m ? Number(m[1]) + 1 : undefined;
}

export interface ChunkedUpload {
  repoPath: string;
  location: URL;
  digest: Digest;
  size: number;
  /** Bytes per PATCH (raised to the registry's `OCI-Chunk-Min-Length`). */
  chunk: number;
  minChunk?: number;
  /** A stream of bytes `start..end` (inclusive) of the blob. */
  open: (start: number, end: number) => Readable;
  onProgress?: (done: number) => void;
  attempts?: number;
}

/**
 * Upload a blob in chunks (OCI distribution spec: PATCH with `Content-Range: start-end`,
 * then PUT `?digest=`). Each reply's `Location` is where the next chunk goes and its `Range`
 * says how much the registry holds: the next chunk starts there, so bytes a registry did not
 * keep are sent again. A chunk that fails (dropped connection, 5xx, 416) asks the upload's
 * status (GET: 204 + Range) and goes on from what the registry has.
 */
export async function chunkedUpload(client: RegistryClient, u: ChunkedUpload): Promise<void> {
  const scopes = client.pushScopesFor(u.repoPath);
  const chunk = Math.max(u.chunk, u.minChunk ?? 0);
  const attempts = u.attempts ?? 5;
  let loc = u.location;
  let off = 0;
  let failures = 0;
  while (off < u.size) {
    const start = off;
    const end = Math.min(u.size, start + chunk) - 1;
    try {
      const res = await client.request('PATCH', loc, scopes, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `${start}-${end}` },
        body: () => u.open(start, end),
      });
      const body = await readBody(res, ERROR_BODY, 'upload').catch(() => Buffer.alloc(0));
      if (res.status !== 202) throw registryError(res.status, body, `PATCH blob ${u.digest} bytes ${start}-${end}`);
      const next = header(res, 'location');
      if (next) loc = client.uploadLocation(next, loc, 'PATCH');
      const held = rangeEnd(header(res, 'range')) ?? end + 1;
      if (held > end + 1 || held < start) throw invalidArgument(`PATCH blob ${u.digest}: registry says it holds ${held} bytes after ${start}-${end}`, { code: 'registry.protocol', exitCode: 1 });
      off = held;
      u.onProgress?.(off);
    } catch (e) {
      const status = (e as { cause?: { status?: number } }).cause?.status;
      if (!(retryable(e) || status === 416) || ++failures >= attempts) throw e;
      await sleep(status === 416 ? 0 : retryWait(e, failures));
      ({ loc, off } = await uploadStatus(client, scopes, loc, u.digest));
    }
  }
  await client.finishUpload(u.repoPath, loc, u.digest, u.size);
}

/** GET an upload's status: where it is now and how many bytes the registry holds. */
async function uploadStatus(client: RegistryClient, scopes: string[], loc: URL, digest: Digest): Promise<{ loc: URL; off: number }> {
  const res = await client.request('GET', loc, scopes);
  const body = await readBody(res, ERROR_BODY, 'upload status').catch(() => Buffer.alloc(0));
  if (res.status !== 204 && res.status !== 200) throw registryError(res.status, body, `GET upload status of blob ${digest}`);
  const next = header(res, 'location');
  const held = rangeEnd(header(res, 'range'));
  // `0-0` is what distribution says for an empty upload too: start from 0 then (a 416 asks again)
  return { loc: next ? client.uploadLocation(next, loc, 'GET') : loc, off: held === 1 ? 0 : held ?? 0 };
}

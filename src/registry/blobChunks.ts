import { isBerthError, unavailable } from '../errors.js';
import type { Readable } from 'node:stream';
import type { Digest } from '../image/digest.js';
import type { RegistryClient } from './client.js';
import type { RegistryStatus } from './registryError.js';

export interface BlobReadOptions {
  /** Bytes the caller already has (a partial blob on disk): the first request asks for the rest. */
  start?: number;
  /** Attempts per blob (the first one included). */
  attempts?: number;
  /** Called before waiting to retry (for progress lines). */
  onRetry?: (why: string, waitMs: number) => void;
  /** Base backoff in ms (doubled per attempt; a Retry-After header wins). */
  backoffMs?: number;
}

/** Seconds or an HTTP date, capped at a minute. */
export function retryAfterMs(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  const ms = Number.isFinite(s) ? s * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Network trouble and 429/5xx are worth another attempt; anything the registry meant is not. */
export function retryable(e: unknown): boolean {
  return !isBerthError(e) || e.code === 'registry.network' || e.code === 'registry.unavailable';
}

/** How long to wait before attempt `attempt + 1`: the registry's Retry-After, else doubling backoff. */
export function retryWait(e: unknown, attempt: number, backoffMs = 200): number {
  const ra = isBerthError(e) ? (e.cause as RegistryStatus | undefined)?.retryAfterMs : undefined;
  return ra ?? backoffMs * 2 ** (attempt - 1);
}

/**
 * The bytes of a blob from `start` on, as one stream, whatever happens underneath: a
 * connection that drops or stalls mid-blob is resumed with `Range` from the bytes already
 * delivered (a registry that ignores Range and sends everything again has the known prefix
 * skipped); 429 and 5xx are retried with backoff, honouring `Retry-After`. The caller
 * still verifies the digest of the whole blob.
 */
export async function* blobChunks(client: RegistryClient, repoPath: string, digest: Digest, size: number, o: BlobReadOptions = {}): AsyncGenerator<Buffer> {
  let delivered = o.start ?? 0;
  if (delivered >= size) return;
  const attempts = o.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let wait: number;
    try {
      const res = await client.getBlob(repoPath, digest, delivered);
      let skip = res.status === 206 ? 0 : delivered;
      if (res.status === 206 && !contentRangeStartsAt(res.headers['content-range'], delivered)) {
        res.body.destroy();
        throw new Error(`registry answered a Range request for bytes ${delivered}- with ${String(res.headers['content-range'])}`);
      }
      for await (const c0 of queued(res.body)) {
        let c = c0 as Buffer;
        if (skip > 0) {
          const k = Math.min(skip, c.length);
          skip -= k;
          c = c.subarray(k);
          if (c.length === 0) continue;
        }
        delivered += c.length;
        yield c;
      }
      if (skip > 0) throw new Error('registry sent fewer bytes than before');
      if (delivered >= size) return;
      throw new Error(`connection closed after ${delivered} of ${size} bytes`);
    } catch (e) {
      if (!retryable(e)) throw e;
      const why = isBerthError(e) ? e.message : `GET blob ${digest}: ${(e as Error).message === 'aborted' ? `connection closed after ${delivered} of ${size} bytes` : (e as Error).message}`;
      if (attempt >= attempts) throw unavailable(`${why} (gave up after ${attempts} attempts, ${delivered} of ${size} bytes received)`, { code: 'registry.network', exitCode: 1, cause: e });
      wait = retryWait(e, attempt, o.backoffMs);
      o.onRetry?.(why, wait);
    }
    await sleep(wait);
  }
}

const QUEUE_HIGH = 4 << 20;
const QUEUE_LOW = 1 << 20;

/**
 * A response body's chunks, taken as they arrive into a queue of our own (paused above 4 MiB):
 * when the connection drops, what already arrived is still delivered before the error, so the
 * resume asks only for bytes that really are missing (a destroyed stream discards its buffer).
 */
async function* queued(body: Readable): AsyncGenerator<Buffer> {
  const q: Buffer[] = [];
  let bytes = 0;
  let end = false;
  let err: unknown;
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  body.on('data', (c: Buffer) => {
    q.push(c);
    bytes += c.length;
    if (bytes > QUEUE_HIGH) body.pause();
    poke();
  });
  body.on('end', () => {
    end = true;
    poke();
  });
  body.on('error', (e) => {
    err = e;
    poke();
  });
  try {
    for (;;) {
      const c = q.shift();
      if (c) {
        bytes -= c.length;
        if (bytes < QUEUE_LOW && body.isPaused() && !end && !err) body.resume();
        yield c;
        continue;
      }
      if (err) throw err;
      if (end) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    if (!end) body.destroy();
  }
}

function contentRangeStartsAt(v: string | string[] | undefined, at: number): boolean {
  const s = Array.isArray(v) ? v[0] : v;
  const m = s ? /^bytes (\d+)-/.exec(s) : null;
  return !!m && Number(m[1]) === at;
}

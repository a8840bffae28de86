import { isBerthError } from '../errors.js';
import type { Digest } from '../image/digest.js';
import type { RegistryClient } from './client.js';
import type { RegistryStatus } from './registryError.js';

export interface BlobReadOptions {
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

/**
 * The bytes of a blob as one stream, whatever happens underneath: a connection that
 * drops mid-blob is resumed with `Range` from the bytes already delivered (a registry that
 * ignores Range and sends everything again has the known prefix skipped); 429 and 5xx
 * are retried with backoff, honouring `Retry-After`. The caller still verifies the digest
 * of everything it received.
 */
export async function* blobChunks(client: RegistryClient, repoPath: string, digest: Digest, size: number, o: BlobReadOptions = {}): AsyncGenerator<Buffer> {
  let delivered = 0;
  const attempts = o.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let wait: number | undefined;
    try {
      const res = await client.getBlob(repoPath, digest, delivered);
      let skip = res.status === 206 ? 0 : delivered;
      if (res.status === 206 && !contentRangeStartsAt(res.headers['content-range'], delivered)) skip = -1;
      if (skip < 0) {
        res.body.destroy();
        throw new Error('registry answered Range with a different range');
      }
      for await (const c0 of res.body) {
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
      if (delivered >= size || skip > 0) {
        if (skip > 0) throw new Error('registry sent fewer bytes than before');
        return;
      }
      throw new Error(`connection closed after ${delivered} of ${size} bytes`);
    } catch (e) {
      const retryable = !isBerthError(e) || e.code === 'registry.network' || e.code === 'registry.unavailable';
      if (!retryable || attempt >= attempts) throw e;
      const ra = isBerthError(e) ? (e.cause as RegistryStatus | undefined)?.retryAfterMs : undefined;
      wait = ra ?? (o.backoffMs ?? 200) * 2 ** (attempt - 1);
      o.onRetry?.((e as Error).message, wait);
    }
    await sleep(wait);
  }
}

function contentRangeStartsAt(v: string | string[] | undefined, at: number): boolean {
  const s = Array.isArray(v) ? v[0] : v;
  const m = s ? /^bytes (\d+)-/.exec(s) : null;
  return !!m && Number(m[1]) === at;
}

/**
 * `ADD <http(s) URL>`: the body streamed to a file under `<root>/builder/downloads/` and hashed
 * on the way (never held in memory), redirects followed by hand (at most 10, each to http or
 * https only), `--checksum=sha256:…` checked before anything uses the file, and the file's
 * mtime taken from `Last-Modified` as Docker does. The name is the URL path's last component
 * (`download` when it has none), as BuildKit names it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';

export const MAX_REDIRECTS = 10;

export interface Downloaded { file: string; name: string; sha256: string; mtime?: number; size: number }

/** Is this ADD source a URL at all (any scheme), and is it one berth fetches? */
export function urlScheme(src: string): 'http' | 'other' | undefined {
  if (/^https?:\/\//i.test(src)) return 'http';
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(src) ? 'other' : undefined;
}

/** The file name ADD gives a URL's body: the decoded last path component, else `download`. */
export function urlFileName(url: string): string {
  let base = '';
  try {
    base = path.posix.basename(decodeURIComponent(new URL(url).pathname));
  } catch { /* a bad escape: no name */ }
  return base && base !== '.' && base !== '..' && base !== '/' && !base.includes('\0') ? base : 'download';
}

/** `sha256:<hex>` as given to --checksum, checked for form. */
export function parseChecksum(c: string): string | undefined {
  return /^sha256:([a-f0-9]{64})$/.exec(c)?.[1];
}

export async function downloadUrl(url: string, dir: string, checksum: string | undefined, fail: (m: string) => never): Promise<Downloaded> {
  const want = checksum === undefined ? undefined : parseChecksum(checksum);
  if (checksum !== undefined && !want) fail(`invalid checksum ${checksum}: expected sha256:<64 hex digits>`);
  let cur = url;
  let res: Response | undefined;
  for (let hops = 0; ; hops++) {
    try {
      res = await fetch(cur, { redirect: 'manual' });
    } catch (e) {
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      return fail(`failed to load ${url}: ${c?.code ?? c?.message ?? (e as Error).message}`);
    }
    if (![301, 302, 303, 307, 308].includes(res.status)) break;
    const loc = res.headers.get('location');
    await res.body?.cancel();
    if (!loc) fail(`failed to load ${url}: redirect without a Location`);
    if (hops >= MAX_REDIRECTS) fail(`failed to load ${url}: more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(loc, cur).toString();
    if (urlScheme(next) !== 'http') fail(`failed to load ${url}: redirect to ${next}: only http and https URLs are fetched`);
    cur = next;
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    fail(`failed to load ${url}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `dl-${crypto.randomBytes(8).toString('hex')}`);
  const h = crypto.createHash('sha256');
  let size = 0;
  try {
    const body = Readable.fromWeb(res.body as unknown as WebStream<Uint8Array>);
    body.on('data', (c: Buffer) => { h.update(c); size += c.length; });
    await pipeline(body, fs.createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    fs.rmSync(file, { force: true });
    return fail(`failed to load ${url}: ${(e as Error).message}`);
  }
  const sha256 = h.digest('hex');
  if (want && sha256 !== want) {
    fs.rmSync(file, { force: true });
    fail(`digest mismatch for ${url}: expected ${checksum}, got sha256:${sha256}`);
  }
  const lm = res.headers.get('last-modified');
  const t = lm ? Date.parse(lm) : NaN;
  return { file, name: urlFileName(url), sha256, size, mtime: Number.isNaN(t) ? undefined : Math.floor(t / 1000) };
}

import crypto from 'node:crypto';
import { invalidArgument } from '../errors.js';

/** A content digest; berth only stores sha256. */
export type Digest = `sha256:${string}`;
/** An image ID: the digest of the image's config blob, as Docker shows it. */
export type ImageId = Digest;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST_RE.test(s);
}

/** Validate a digest taken from untrusted input (manifests, archives, flags). */
export function parseDigest(s: unknown, what = 'digest'): Digest {
  if (!isDigest(s)) throw invalidArgument(`invalid ${what} ${JSON.stringify(s)}: expected sha256:<64 hex>`);
  return s;
}

export function hexOf(d: Digest): string {
  return d.slice(7);
}

export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

/** The 12-character short form Docker prints. */
export function shortId(d: Digest): string {
  return hexOf(d).slice(0, 12);
}

import { invalidArgument } from '../errors.js';
import { isDigest, type Digest } from './digest.js';

/** A parsed image reference, normalized like Docker does (docker.io/library/..., :latest). */
export interface ImageRef {
  /** Fully qualified repository, e.g. `docker.io/library/busybox`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;

/** Parse `name[:tag][@digest]`; a missing tag and digest means `:latest` when `defaultTag`. */
export function parseReference(s: string, defaultTag = true): ImageRef {
  const bad = (why: string) => invalidArgument(`invalid reference format ${JSON.stringify(s)}: ${why}`);
  if (!s || s.length > 255 + 128 + 80) throw bad('empty or too long');
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw bad('bad digest');
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad('bad tag');
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || /[A-Z]/.test(parts[0]))) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) throw bad('bad registry host');
  }
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p))) throw bad('repository name must be lowercase');
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (tag === undefined && digest === undefined && defaultTag) tag = 'latest';
  return { repository: `${domain}/${parts.join('/')}`, tag, digest };
}

/** The short form users type: `busybox`, `me/app`, `localhost:5000/x`. */
export function familiarRepository(repository: string): string {
  if (repository.startsWith('docker.io/library/')) return repository.slice('docker.io/library/'.length);
  if (repository.startsWith('docker.io/')) return repository.slice('docker.io/'.length);
  return repository;
}

/** `busybox:latest` — the form stored as org.opencontainers.image.ref.name. */
export function familiarString(r: ImageRef): string {
  let s = familiarRepository(r.repository);
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

/** `docker.io/library/busybox:latest`. */
export function fullString(r: ImageRef): string {
  return r.repository + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** A tag reference, throwing if the string has a digest (tags can't name digests). */
export function parseTagReference(s: string): ImageRef & { tag: string } {
  const r = parseReference(s);
  if (r.digest || !r.tag) throw invalidArgument(`invalid reference format ${JSON.stringify(s)}: a tag cannot contain a digest`);
  return r as ImageRef & { tag: string };
}

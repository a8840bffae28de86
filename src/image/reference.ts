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
const LABEL = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)';
const DOMAIN = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
/** Docker's limit on the repository part (`library/busybox`, `ns/app`). */
const MAX_PATH = 255;

/** Docker's error text: `invalid reference format` (with the lowercase rule spelled out). */
function invalidReference(why?: string) {
  return invalidArgument(why ? `invalid reference format: ${why}` : 'invalid reference format', { code: 'reference.invalid' });
}

/** The first path component is a registry host when Docker says so: a dot, a port, `localhost`, or uppercase. */
function isDomain(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part !== part.toLowerCase();
}

/**
 * Parse `[host[:port]/]path[:tag][@sha256:hex]` as Docker does: `busybox` →
 * `docker.io/library/busybox:latest`; `index.docker.io` is `docker.io`; with `defaultTag`,
 * a reference with neither tag nor digest gets `:latest`. Malformed → `invalid reference format`.
 */
export function parseReference(s: string, defaultTag = true): ImageRef {
  if (!s || s.length > 255 + 128 + 80) throw invalidReference();
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw invalidReference();
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && !rest.slice(colon).includes(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalidReference();
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (parts.length > 1 && isDomain(parts[0])) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) throw invalidReference();
    if (domain === 'index.docker.io') domain = 'docker.io';
  }
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repoPath = parts.join('/');
  if (parts.some((p) => !COMPONENT.test(p))) {
    if (parts.every((p) => COMPONENT.test(p.toLowerCase()))) throw invalidReference(`repository name (${repoPath}) must be lowercase`);
    throw invalidReference();
  }
  if (repoPath.length > MAX_PATH) throw invalidReference(`repository name must not be more than ${MAX_PATH} characters`);
  if (tag === undefined && digest === undefined && defaultTag) tag = 'latest';
  return { repository: `${domain}/${repoPath}`, tag, digest };
}

/** `docker.io/library/busybox` → `{domain: 'docker.io', path: 'library/busybox'}`. */
export function splitRepository(repository: string): { domain: string; path: string } {
  const i = repository.indexOf('/');
  return { domain: repository.slice(0, i), path: repository.slice(i + 1) };
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
  if (r.digest || !r.tag) throw invalidReference();
  return r as ImageRef & { tag: string };
}

import type { Digest } from '../image/digest.js';
import { familiarString, parseReference, splitRepository, type ImageRef } from '../image/reference.js';

/**
 * A reference as the distribution protocol sees it. Parsing and normalisation are
 * src/image/reference.ts's (one home); this adds where to send requests.
 */
export interface RemoteRef {
  /** Normalised repository, `docker.io/library/busybox`. */
  repository: string;
  /** Registry name as users write it (`docker.io`, `localhost:5000`): the key in config.json `auths`. */
  domain: string;
  /** Repository path in API URLs: `library/busybox`. */
  path: string;
  /** host[:port] the HTTP requests go to (`registry-1.docker.io` for docker.io). */
  host: string;
  tag?: string;
  digest?: Digest;
}

/** Docker Hub's name and its API endpoint. */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

export function toRemote(r: ImageRef): RemoteRef {
  const { domain, path } = splitRepository(r.repository);
  return { repository: r.repository, domain, path, host: domain === DOCKER_HUB ? DOCKER_HUB_API : domain, tag: r.tag, digest: r.digest };
}

/** `busybox` → docker.io/library/busybox:latest, aimed at registry-1.docker.io. */
export function parseRemoteReference(s: string, defaultTag = true): RemoteRef {
  return toRemote(parseReference(s, defaultTag));
}

/** The manifest reference in URLs: the digest when there is one (tag+digest pulls by digest), else the tag. */
export function manifestReference(r: RemoteRef): string {
  return r.digest ?? r.tag ?? 'latest';
}

/** `localhost:5000/x:1` / `busybox:latest` — what Docker prints. */
export function remoteFamiliar(r: RemoteRef): string {
  return familiarString(r);
}

/** Is host (host[:port], maybe `[v6]:port`) a loopback name or address? */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return h === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { failedPrecondition, invalidArgument } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { isDigest } from '../image/digest.js';
import { MT } from '../image/mediaTypes.js';
import { Authorizer, parseChallenge } from './auth.js';
import { credentialsFor, isInsecureRegistry, readConfig, type Credentials } from './config.js';
import { readBody, send, type HttpRequest, type HttpResponse } from './http.js';
import type { RemoteRef } from './reference.js';
import { oneLine, registryError } from './registryError.js';
import { retryAfterMs } from './blobChunks.js';

/** Manifests bigger than this are refused (an attacker's way to exhaust memory). */
export const MAX_MANIFEST = 4 << 20;
const ERROR_BODY = 64 << 10;

export const MANIFEST_ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest].join(', ');

export interface FetchedManifest {
  buf: Buffer;
  mediaType: string;
  digest: Digest;
}

export interface ClientOptions {
  credentials?: Credentials;
  /** Read credentials and insecure-registries from berth's config.json (default true). */
  useConfig?: boolean;
  /** Schemes to try in order (a mirror configured as `http://host` says http itself). */
  schemes?: ('https' | 'http')[];
}

type Method = HttpRequest['method'];

/**
 * A client for one registry (OCI distribution spec 1.1): ping and scheme choice, auth
 * (anonymous, Basic, Bearer per scope), manifests, blobs, uploads. Everything the
 * registry says is checked (status, size, digest) before a caller sees it.
 */
export class RegistryClient {
  private base!: URL;
  private auth!: Authorizer;
  readonly insecure: boolean;
  private readonly credsOf: () => Credentials | undefined;
  private credsRead = false;
  private credsValue?: Credentials;
  private readonly tls: { insecureTls: boolean; allowHttp: (h: string) => boolean };
  private readonly schemes: ('https' | 'http')[];

  constructor(readonly host: string, private readonly domain: string, opts: ClientOptions = {}) {
    const cfg = opts.useConfig === false ? {} : readConfig();
    this.insecure = isInsecureRegistry(host, cfg);
    // read when a registry first asks for them (a credential helper runs only then)
    this.credsOf = () => opts.credentials ?? (opts.useConfig === false ? undefined : credentialsFor(domain, cfg));
    this.tls = { insecureTls: this.insecure, allowHttp: (h: string) => isInsecureRegistry(h, cfg) };
    this.schemes = opts.schemes ?? (this.insecure ? ['https', 'http'] : ['https']);
  }

  private get creds(): Credentials | undefined {
    if (!this.credsRead) {
      this.credsValue = this.credsOf();
      this.credsRead = true;
    }
    return this.credsValue;
  }

  static forRef(ref: RemoteRef, opts: ClientOptions = {}): RegistryClient {
    return new RegistryClient(ref.host, ref.domain, opts);
  }


  /**
   * GET /v2/: choose https (or, for loopback and insecure registries, http when https
   * fails, as dockerd does) and learn the auth challenge.
   */
  async ping(): Promise<void> {
    if (this.base) return;
    const tls = this.tls;
    const schemes = this.schemes;
    let lastErr: unknown;
    for (const s of schemes) {
      const url = new URL(`${s}://${this.host}/v2/`);
      let res: HttpResponse;
      try {
        res = await send({ method: 'GET', url, ...tls });
      } catch (e) {
        lastErr = e;
        continue;
      }
      await readBody(res, ERROR_BODY, 'ping').catch(() => Buffer.alloc(0));
      if (res.status !== 200 && res.status !== 401) {
        throw failedPrecondition(`GET "${url.href}": registry answered ${res.status}, not a distribution API`, { code: 'registry.ping', exitCode: 1 });
      }
      this.base = new URL(`${s}://${this.host}`);
      this.auth = new Authorizer(() => this.creds, tls);
      if (res.status === 401) this.auth.setChallenge(parseChallenge(header(res, 'www-authenticate')));
      return;
    }
    throw lastErr;
  }

  /** Check the stored credentials (`login`): a request that needs them must succeed. */
  async checkLogin(): Promise<void> {
    await this.ping();
    if (!this.auth.scheme) return;
    const url = new URL('/v2/', this.base);
    const res = await this.request('GET', url, []);
    const body = await readBody(res, ERROR_BODY, 'login');
    if (res.status !== 200) throw registryError(res.status, body, `GET "${url.href}"`);
  }

  /**
   * One request with auth; on 401 with a new challenge it asks once more, with a fresh token
   * (the old one expired or was refused) that also covers the scope the challenge names.
   */
  async request(method: Method, url: URL, scopes: string[], o: { headers?: Record<string, string>; body?: HttpRequest['body']; redirects?: number } = {}): Promise<HttpResponse> {
    await this.ping();
    let want = scopes;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...o.headers };
      const a = await this.auth.header(want);
      if (a) headers.authorization = a;
      const res = await send({ method, url, headers, body: o.body, maxRedirects: o.redirects ?? 0, ...this.tls });
      if (res.status !== 401 || attempt > 0) return res;
      const ch = parseChallenge(header(res, 'www-authenticate'));
      const had = this.auth.scheme;
      if (!ch || (ch.scheme === 'basic' && (had === 'basic' || !this.creds))) {
        if (ch?.scheme === 'basic' && !this.creds) {
          res.body.resume();
          throw failedPrecondition(`${method} "${url.href}": no basic auth credentials`, { code: 'registry.unauthorized', exitCode: 1 });
        }
        return res;
      }
      res.body.resume();
      this.auth.setChallenge(ch);
      this.auth.invalidate();
      // a Bearer challenge names the scope it wants (insufficient_scope): ask for it as well
      if (ch.scheme === 'bearer' && ch.params.scope) want = [...new Set([...want, ...ch.params.scope.split(' ').filter(Boolean)])];
    }
  }

  url(p: string): URL {
    return new URL(p, this.base);
  }

  /** GET a manifest by tag or digest; the body is capped and its digest checked. */
  async getManifest(repoPath: string, reference: string, what: string): Promise<FetchedManifest> {
    await this.ping();
    const url = this.url(`/v2/${repoPath}/manifests/${reference}`);
    const res = await this.request('GET', url, [`repository:${repoPath}:pull`], { headers: { accept: MANIFEST_ACCEPT } });
    if (res.status !== 200) {
      const body = await readBody(res, ERROR_BODY, what).catch(() => Buffer.alloc(0));
      if (res.status === 404) throw registryError(404, body, `manifest for ${what} not found`);
      throw registryError(res.status, body, `GET "${url.href}"`);
    }
    const buf = await readBody(res, MAX_MANIFEST, `manifest for ${what}`);
    const digest: Digest = `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;
    if (isDigest(reference) && digest !== reference) throw invalidArgument(`manifest for ${what}: content has digest ${digest}, not the one asked for`, { code: 'registry.digest', exitCode: 1 });
    const dcd = header(res, 'docker-content-digest');
    if (dcd && dcd !== digest && dcd.startsWith('sha256:')) throw invalidArgument(`manifest for ${what}: Docker-Content-Digest ${oneLine(dcd)} does not match content digest ${digest}`, { code: 'registry.digest', exitCode: 1 });
    const mediaType = (JSON.parse(buf.toString('utf8')) as { mediaType?: unknown }).mediaType;
    const ct = header(res, 'content-type')?.split(';')[0].trim();
    return { buf, mediaType: typeof mediaType === 'string' ? mediaType : ct ?? MT.ociManifest, digest };
  }

  /** HEAD a manifest: its digest, or undefined when absent. */
  async headManifest(repoPath: string, reference: string): Promise<Digest | undefined> {
    await this.ping();
    const url = this.url(`/v2/${repoPath}/manifests/${reference}`);
    const res = await this.request('HEAD', url, [`repository:${repoPath}:pull`], { headers: { accept: MANIFEST_ACCEPT } });
    res.body.resume();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw registryError(res.status, Buffer.alloc(0), `HEAD "${url.href}"`);
    const d = header(res, 'docker-content-digest');
    return isDigest(d) ? d : undefined;
  }

  /** GET a blob (following redirects), optionally from byte `offset`. The caller verifies the bytes. */
  async getBlob(repoPath: string, digest: Digest, offset = 0): Promise<HttpResponse> {
    await this.ping();
    const url = this.url(`/v2/${repoPath}/blobs/${digest}`);
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const res = await this.request('GET', url, [`repository:${repoPath}:pull`], { headers, redirects: 5 });
    if (res.status !== 200 && res.status !== 206) {
      const body = await readBody(res, ERROR_BODY, `blob ${digest}`).catch(() => Buffer.alloc(0));
      throw registryError(res.status, body, `GET blob ${digest}`, retryAfterMs(header(res, 'retry-after')));
    }
    return res;
  }

  /** Does the repository have this blob? (push skips it when yes) */
  async hasBlob(repoPath: string, digest: Digest, push = true): Promise<boolean> {
    await this.ping();
    const url = this.url(`/v2/${repoPath}/blobs/${digest}`);
    const res = await this.request('HEAD', url, [`repository:${repoPath}:${push ? 'pull,push' : 'pull'}`], { redirects: 5 });
    res.body.resume();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw registryError(res.status, Buffer.alloc(0), `HEAD "${url.href}"`);
  }

  private pushScopes(repoPath: string, from?: string): string[] {
    return from && from !== repoPath ? [`repository:${repoPath}:pull,push`, `repository:${from}:pull`] : [`repository:${repoPath}:pull,push`];
  }

  /**
   * POST an upload; with `mountFrom`, ask for a cross-repository mount first.
   * Returns `mounted` (201: nothing to send) or the upload URL.
   */
  async startUpload(repoPath: string, digest: Digest, mountFrom?: string): Promise<{ mounted: true } | { mounted: false; location: URL; minChunk?: number }> {
    await this.ping();
    const q = mountFrom && mountFrom !== repoPath ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : '';
    const url = this.url(`/v2/${repoPath}/blobs/uploads/${q}`);
    const res = await this.request('POST', url, this.pushScopes(repoPath, mountFrom));
    const body = await readBody(res, ERROR_BODY, 'upload').catch(() => Buffer.alloc(0));
    if (res.status === 201 && q) return { mounted: true };
    if (res.status !== 202) throw registryError(res.status, body, `POST "${url.href}"`);
    const loc = header(res, 'location');
    if (!loc) throw invalidArgument(`POST "${url.href}": no Location in the upload reply`, { code: 'registry.protocol', exitCode: 1 });
    const location = this.uploadLocation(loc, url, 'POST');
    const min = Number(header(res, 'oci-chunk-min-length'));
    return { mounted: false, location, minChunk: Number.isSafeInteger(min) && min > 0 ? min : undefined };
  }

  /** An upload's next URL (a `Location` reply): same origin as the registry, or refused. */
  uploadLocation(loc: string, from: URL, method: string): URL {
    let location: URL;
    try {
      location = new URL(loc, from);
    } catch {
      throw invalidArgument(`${method} "${from.href}": upload location is not a URL`, { code: 'registry.protocol', exitCode: 1 });
    }
    if (location.origin !== this.base.origin) throw invalidArgument(`${method} "${from.href}": upload location on another origin (${location.origin})`, { code: 'registry.protocol', exitCode: 1 });
    return location;
  }

  pushScopesFor(repoPath: string): string[] {
    return this.pushScopes(repoPath);
  }

  /** PUT the whole blob to an upload URL (monolithic upload) and check the registry's digest. */
  async finishUpload(repoPath: string, location: URL, digest: Digest, size: number, body?: () => Readable): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const headers: Record<string, string> = body ? { 'content-type': 'application/octet-stream', 'content-length': String(size) } : {};
    const res = await this.request('PUT', url, this.pushScopes(repoPath), { headers, body });
    const b = await readBody(res, ERROR_BODY, 'upload').catch(() => Buffer.alloc(0));
    if (res.status !== 201) throw registryError(res.status, b, `PUT blob ${digest}`);
    const dcd = header(res, 'docker-content-digest');
    if (dcd && dcd !== digest) throw invalidArgument(`PUT blob ${digest}: registry says it stored ${oneLine(dcd)}`, { code: 'registry.digest', exitCode: 1 });
  }

  /** PUT a manifest under a tag or digest; returns the digest the registry reports (checked). */
  async putManifest(repoPath: string, reference: string, mediaType: string, buf: Buffer): Promise<Digest> {
    await this.ping();
    const url = this.url(`/v2/${repoPath}/manifests/${reference}`);
    const res = await this.request('PUT', url, this.pushScopes(repoPath), { headers: { 'content-type': mediaType }, body: buf });
    const b = await readBody(res, ERROR_BODY, 'manifest').catch(() => Buffer.alloc(0));
    if (res.status !== 201 && res.status !== 200) throw registryError(res.status, b, `PUT manifest ${reference}`);
    const digest: Digest = `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;
    const dcd = header(res, 'docker-content-digest');
    if (dcd && dcd !== digest) throw invalidArgument(`PUT manifest ${reference}: registry says ${oneLine(dcd)}, content is ${digest}`, { code: 'registry.digest', exitCode: 1 });
    return digest;
  }

  /** GET /v2/<path>/tags/list, following `Link` pages (bounded). */
  async listTags(repoPath: string): Promise<string[]> {
    await this.ping();
    let url: URL | undefined = this.url(`/v2/${repoPath}/tags/list`);
    const tags: string[] = [];
    for (let page = 0; url && page < 100; page++) {
      const res = await this.request('GET', url, [`repository:${repoPath}:pull`]);
      const body = await readBody(res, MAX_MANIFEST, 'tag list');
      if (res.status !== 200) throw registryError(res.status, body, `GET "${url.href}"`);
      let j: { tags?: unknown };
      try {
        j = JSON.parse(body.toString('utf8')) as typeof j;
      } catch {
        throw invalidArgument('tag list: not JSON', { code: 'registry.protocol', exitCode: 1 });
      }
      if (Array.isArray(j.tags)) for (const t of j.tags) if (typeof t === 'string' && /^[\w][\w.-]{0,127}$/.test(t)) tags.push(t);
      const link = header(res, 'link');
      const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
      const next: URL | undefined = m ? new URL(m[1], url) : undefined;
      url = next && next.origin === this.base.origin ? next : undefined;
    }
    return tags;
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

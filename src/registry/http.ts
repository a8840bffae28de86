import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { invalidArgument, unavailable } from '../errors.js';
import { isLoopbackHost } from './reference.js';

/** One HTTP exchange with a registry (or wherever it redirects blob reads). */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a function opening a fresh stream (bodies may be sent again after a 401). */
  body?: Buffer | (() => Readable);
  /** Follow 3xx for GET/HEAD (blob reads); at most this many hops. */
  maxRedirects?: number;
  /** Accept an invalid TLS certificate (insecure registries, as dockerd does). */
  insecureTls?: boolean;
  /** May a redirect go to plain http at this host? (loopback and insecure registries only). */
  allowHttp?: (host: string) => boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The URL that answered (after redirects). */
  url: URL;
  body: http.IncomingMessage;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** Close idle keep-alive sockets so the process (or the accelerator's command) can finish. */
export function closeIdleConnections(): void {
  for (const a of Object.values(agents)) {
    for (const list of Object.values(a.freeSockets)) for (const s of list ?? []) s.destroy();
  }
}

function once(req: HttpRequest, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
  const mod = url.protocol === 'https:' ? https : http;
  const body = typeof req.body === 'function' ? req.body() : req.body;
  const h: Record<string, string> = { 'user-agent': 'berth/0.1', ...headers };
  if (Buffer.isBuffer(body)) h['content-length'] = String(body.length);
  else if (body === undefined && ['POST', 'PUT', 'PATCH'].includes(req.method)) h['content-length'] = '0';
  return new Promise((resolve, reject) => {
    const r = mod.request(url, {
      method: req.method,
      headers: h,
      agent: url.protocol === 'https:' ? agents.https : agents.http,
      rejectUnauthorized: !req.insecureTls,
      signal: req.signal,
    });
    r.on('response', (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res }));
    r.on('error', reject);
    if (Buffer.isBuffer(body)) r.end(body);
    else if (body) {
      body.on('error', (e) => r.destroy(e));
      body.pipe(r);
    } else r.end();
  });
}

/** A one-line description of a network failure, naming the URL (never its credentials: none are in URLs). */
export function networkError(method: string, url: URL, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `dial tcp: lookup ${url.hostname}: no such host` : code === 'ECONNREFUSED' ? `dial tcp ${url.host}: connect: connection refused` : (e as Error).message;
  return unavailable(`${method} "${url.href}": ${why}`, { code: 'registry.network', exitCode: 1, cause: e });
}

/**
 * BERTH_REGISTRY_LOOPBACK_ONLY=1 (the test suite sets it): no exchange, redirects included,
 * with anything but a loopback host, so a test that names an image berth does not have can
 * never reach out to Docker Hub.
 */
function loopbackOnly(url: URL): void {
  if (process.env.BERTH_REGISTRY_LOOPBACK_ONLY === '1' && !isLoopbackHost(url.host)) {
    throw unavailable(`registry access to ${url.host} is off (BERTH_REGISTRY_LOOPBACK_ONLY=1: loopback registries only)`, { code: 'registry.offline', exitCode: 1 });
  }
}

/**
 * Send a request, following redirects for reads: only to http(s), never in a loop, at most
 * `maxRedirects` hops, never from https down to http unless `allowHttp` says so for that
 * host. Credentials go only to the origin they were meant for.
 */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  let url = req.url;
  const seen = new Set<string>([url.href]);
  let headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    let res: HttpResponse;
    loopbackOnly(url);
    try {
      res = await once(req, url, headers);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw networkError(req.method, url, e);
    }
    const loc = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || !loc || (req.method !== 'GET' && req.method !== 'HEAD')) return res;
    res.body.resume();
    let next: URL;
    try {
      next = new URL(loc, url);
    } catch {
      throw invalidArgument(`${req.method} "${url.href}": redirect to an invalid URL`, { code: 'registry.redirect', exitCode: 1 });
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw invalidArgument(`${req.method} "${url.href}": refusing redirect to a ${next.protocol.replace(/:$/, '')} URL`, { code: 'registry.redirect', exitCode: 1 });
    if (next.protocol === 'http:' && url.protocol === 'https:' && !req.allowHttp?.(next.host)) throw invalidArgument(`${req.method} "${url.href}": refusing redirect from https to http (${next.host})`, { code: 'registry.redirect', exitCode: 1 });
    if (seen.has(next.href)) throw invalidArgument(`${req.method} "${req.url.href}": redirect loop at ${next.href}`, { code: 'registry.redirect', exitCode: 1 });
    if (hop + 1 > (req.maxRedirects ?? 5)) throw invalidArgument(`${req.method} "${req.url.href}": stopped after ${req.maxRedirects ?? 5} redirects`, { code: 'registry.redirect', exitCode: 1 });
    seen.add(next.href);
    if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    url = next;
  }
}

/** Read a whole response body, refusing more than `limit` bytes. */
export async function readBody(res: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const len = Number(res.headers['content-length']);
  if (Number.isFinite(len) && len > limit) {
    res.body.destroy();
    throw invalidArgument(`${what}: ${len} bytes is over the ${limit}-byte limit`, { code: 'registry.tooLarge', exitCode: 1 });
  }
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw invalidArgument(`${what}: over the ${limit}-byte limit`, { code: 'registry.tooLarge', exitCode: 1 });
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

import { failedPrecondition, invalidArgument } from '../errors.js';
import type { Credentials } from './config.js';
import { readBody, send } from './http.js';

/** A parsed `WWW-Authenticate` challenge: `Bearer realm="...",service="...",scope="..."`. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse the first challenge of a `WWW-Authenticate` header (RFC 7235 auth-params). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2];
  re.lastIndex = 0;
  for (let r = re.exec(rest); r; r = re.exec(rest)) params[r[1].toLowerCase()] = r[2] !== undefined ? r[2].replace(/\\(.)/g, '$1') : r[3];
  return { scheme: m[1].toLowerCase(), params };
}

interface Token {
  value: string;
  expires: number;
}

const MAX_TOKEN_BODY = 1 << 20;

/**
 * Authorization for one registry: nothing (anonymous), Basic with stored credentials, or a
 * Bearer token from the challenge's realm per scope set, cached until it expires. The
 * credentials and tokens never appear in messages.
 */
export class Authorizer {
  private challenge?: Challenge;

  private get creds(): Credentials | undefined {
    return this.credsOf();
  }
  private tokens = new Map<string, Token>();

  constructor(private readonly credsOf: () => Credentials | undefined, private readonly tls: { insecureTls: boolean; allowHttp: (h: string) => boolean }) {}

  setChallenge(c: Challenge | undefined): void {
    this.challenge = c;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** The Authorization header for a request needing `scopes` (e.g. `repository:x/y:pull`). */
  async header(scopes: string[]): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') return this.creds ? `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}` : undefined;
    if (c.scheme !== 'bearer') return undefined;
    const key = [...scopes].sort().join(' ');
    const t = this.tokens.get(key);
    if (t && t.expires > Date.now()) return `Bearer ${t.value}`;
    const tok = await this.fetchToken(c, scopes);
    this.tokens.set(key, tok);
    return `Bearer ${tok.value}`;
  }

  /** Forget cached tokens (after a 401 that says the token no longer does). */
  invalidate(): void {
    this.tokens.clear();
  }

  private async fetchToken(c: Challenge, scopes: string[]): Promise<Token> {
    const realm = c.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw invalidArgument('registry token realm is not a valid URL', { code: 'registry.auth', exitCode: 1 });
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.tls.allowHttp(url.host))) {
      throw invalidArgument(`refusing token realm ${url.origin}: not https`, { code: 'registry.auth', exitCode: 1 });
    }
    if (c.params.service) url.searchParams.set('service', c.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.creds) headers.authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}`;
    const res = await send({ method: 'GET', url, headers, maxRedirects: 3, ...this.tls });
    const body = await readBody(res, MAX_TOKEN_BODY, 'token response');
    if (res.status === 401 || res.status === 403) throw failedPrecondition('unauthorized: incorrect username or password', { code: 'registry.unauthorized', exitCode: 1 });
    if (res.status !== 200) throw failedPrecondition(`token server ${url.origin} answered ${res.status}`, { code: 'registry.auth', exitCode: 1 });
    let j: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      j = JSON.parse(body.toString('utf8')) as typeof j;
    } catch {
      throw invalidArgument(`token server ${url.origin}: reply is not JSON`, { code: 'registry.auth', exitCode: 1 });
    }
    const value = typeof j.token === 'string' && j.token ? j.token : typeof j.access_token === 'string' ? j.access_token : '';
    if (!value || /[\s]/.test(value)) throw invalidArgument(`token server ${url.origin}: no usable token in reply`, { code: 'registry.auth', exitCode: 1 });
    const ttl = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : 60;
    return { value, expires: Date.now() + Math.max(1, ttl - 10) * 1000 };
  }
}

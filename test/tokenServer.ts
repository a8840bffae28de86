import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';

/** One access entry of a token: `repository:ns/app:pull,push` as the registry reads it. */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequest {
  user?: string;
  service?: string;
  scopes: string[];
  /** What the token granted. */
  granted: Access[];
  at: number;
}

/** How the server answers one request; the default grants every scope asked for to a known user. */
export interface TokenPolicy {
  /** `expires_in` of the reply (the JWT's exp is iat + this; 300 unless told). */
  expiresIn?: number;
  /** Make the next token one the registry must refuse (expired an hour ago), though expires_in says it is good. */
  staleNext?: boolean;
  /** Grant only `pull` for the next request asking for push (the client must ask again after the registry's 401). */
  narrowNext?: boolean;
}

export interface TokenServer {
  /** http://127.0.0.1:PORT/token */
  realm: string;
  service: string;
  issuer: string;
  /** The certificate bundle the registry verifies tokens with. */
  certFile: string;
  requests: TokenRequest[];
  policy: TokenPolicy;
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** `repository:ns/app:pull,push` -> Access (names may hold ':' only in a host:port prefix, not here). */
function parseScope(s: string): Access | undefined {
  const i = s.indexOf(':');
  const j = s.lastIndexOf(':');
  if (i < 0 || j <= i) return undefined;
  return { type: s.slice(0, i), name: s.slice(i + 1, j), actions: s.slice(j + 1).split(',').filter(Boolean) };
}

/**
 * A token server as the distribution token spec describes: GET realm?service=&scope= with
 * Basic credentials (or none: anonymous gets a token granting nothing) returns a JWT signed
 * ES256 with a self-signed certificate (openssl) whose chain rides in the `x5c` header, so
 * docker-registry (`auth: token: rootcertbundle`) can verify it.
 */
export async function startTokenServer(dir: string, users: Record<string, string>): Promise<TokenServer> {
  const key = path.join(dir, 'token-key.pem');
  const certFile = path.join(dir, 'token-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', certFile, '-days', '2', '-subj', '/CN=berth-test-token-issuer'], { stdio: 'ignore' });
  const privateKey = crypto.createPrivateKey(fs.readFileSync(key));
  const der = new crypto.X509Certificate(fs.readFileSync(certFile)).raw;
  const requests: TokenRequest[] = [];
  const s: TokenServer = { realm: '', service: 'berth-test-registry', issuer: 'berth-test-issuer', certFile, requests, policy: {}, close: async () => undefined };
  const sign = (sub: string, access: Access[], iat: number, exp: number) => {
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [der.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: s.issuer, sub, aud: s.service, iat, nbf: iat - 1, exp, jti: crypto.randomBytes(8).toString('hex'), access }));
    const sig = crypto.sign('sha256', Buffer.from(`${head}.${claims}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${head}.${claims}.${b64url(sig)}`;
  };
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/token') return res.writeHead(404).end();
    let user: string | undefined;
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (m) {
      const [name, ...pw] = Buffer.from(m[1], 'base64').toString().split(':');
      if (users[name] === undefined || users[name] !== pw.join(':')) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ details: 'incorrect username or password' }));
      }
      user = name;
    }
    const scopes = u.searchParams.getAll('scope');
    let granted = user ? scopes.map(parseScope).filter((a): a is Access => !!a) : [];
    if (s.policy.narrowNext && granted.some((a) => a.actions.includes('push'))) {
      s.policy.narrowNext = false;
      granted = granted.map((a) => ({ ...a, actions: a.actions.filter((x) => x === 'pull') }));
    }
    const now = Math.floor(Date.now() / 1000);
    const ttl = s.policy.expiresIn ?? 300;
    const stale = !!s.policy.staleNext;
    s.policy.staleNext = false;
    const token = stale ? sign(user ?? '', granted, now - 7200, now - 3600) : sign(user ?? '', granted, now, now + ttl);
    requests.push({ user, service: u.searchParams.get('service') ?? undefined, scopes, granted, at: Date.now() });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: ttl, issued_at: new Date(now * 1000).toISOString() }));
  });
  const sockets = new Set<net.Socket>();
  srv.on('connection', (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  s.realm = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/token`;
  s.close = () => new Promise((r) => {
    for (const c of sockets) c.destroy();
    srv.close(() => r());
  });
  return s;
}

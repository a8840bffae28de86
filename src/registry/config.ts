import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errnoCode, failedPrecondition, invalidArgument } from '../errors.js';
import { atomicWriteFileSync } from '../sys/atomicWrite.js';
import { runCredentialHelper } from '../sys/credentialHelper.js';
import { DOCKER_HUB, isLoopbackHost } from './reference.js';

/**
 * berth's client config: `$BERTH_CONFIG/config.json`, else `~/.berth/config.json`. The
 * format is Docker's `~/.docker/config.json` (`auths` with base64 `user:password` under
 * `auth`; or `credsStore`/`credHelpers` naming `docker-credential-NAME` programs that keep
 * them), plus dockerd's `insecure-registries` and `registry-mirrors` lists; unknown keys are
 * kept on write.
 */
export interface ClientConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  'insecure-registries'?: string[];
  'registry-mirrors'?: string[];
  [k: string]: unknown;
}

export interface Credentials {
  username: string;
  password: string;
}

export function configDir(): string {
  return path.resolve(process.env.BERTH_CONFIG ?? path.join(os.homedir(), '.berth'));
}

export function configFile(): string {
  return path.join(configDir(), 'config.json');
}

export function readConfig(): ClientConfig {
  let text: string;
  try {
    text = fs.readFileSync(configFile(), 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return {};
    throw e;
  }
  try {
    const c = JSON.parse(text) as unknown;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error('not an object');
    return c as ClientConfig;
  } catch (e) {
    throw invalidArgument(`${configFile()}: not valid JSON (${(e as Error).message})`, { code: 'config.invalid' });
  }
}

/** Write config.json atomically, mode 0600 (it holds credentials). */
export function writeConfig(c: ClientConfig): void {
  fs.mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  atomicWriteFileSync(configFile(), JSON.stringify(c, null, '\t') + '\n', 0o600);
}

/** The `auths` key Docker uses for a registry: Docker Hub's is its v1 index URL. */
export function authKey(domain: string): string {
  return domain === DOCKER_HUB ? 'https://index.docker.io/v1/' : domain;
}

function keysFor(domain: string): string[] {
  return domain === DOCKER_HUB ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'] : [domain, `https://${domain}`, `http://${domain}`];
}

/**
 * The credential helper for a registry, as the docker CLI picks it: `credHelpers[host]`,
 * else `credsStore`, else none (credentials live in `auths`).
 */
export function helperFor(domain: string, c: ClientConfig): string | undefined {
  const per = c.credHelpers && typeof c.credHelpers === 'object' ? c.credHelpers : {};
  const name = keysFor(domain).map((k) => per[k]).find((v) => typeof v === 'string' && v) ?? (typeof c.credsStore === 'string' && c.credsStore ? c.credsStore : undefined);
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw invalidArgument(`${configFile()}: credential helper name ${JSON.stringify(name.slice(0, 64))} is not a plain name`, { code: 'config.invalid', exitCode: 1 });
  return name;
}

/** The helper's words when it has nothing for that server (docker-credential-helpers' ErrCredentialsNotFound). */
const NOT_FOUND = 'credentials not found in native keychain';

/** A helper failure as one line: its own message when it is a plain line (never its JSON), else the exit status. */
function helperError(name: string, action: string, r: ReturnType<typeof runCredentialHelper>): Error {
  const why = r.spawnError === 'ENOENT' ? `exec: "docker-credential-${name}": executable file not found in $PATH` : r.spawnError ? `exec: "docker-credential-${name}": ${r.spawnError}` : `exit status ${r.status ?? 'killed'}`;
  const out = r.stdout.trim().split('\n')[0].replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  const said = !r.spawnError && out && !out.startsWith('{') ? `, out: \`${out}\`` : '';
  return failedPrecondition(`error ${action === 'get' ? 'getting' : action === 'store' ? 'storing' : action === 'erase' ? 'erasing' : 'listing'} credentials - err: ${why}${said}`, { code: 'registry.credhelper', exitCode: 1 });
}

function helperGet(name: string, serverURL: string): Credentials | undefined {
  const r = runCredentialHelper(name, 'get', serverURL);
  if (r.status !== 0) {
    if (!r.spawnError && r.stdout.includes(NOT_FOUND)) return undefined;
    throw helperError(name, 'get', r);
  }
  let j: { Username?: unknown; Secret?: unknown };
  try {
    j = JSON.parse(r.stdout) as typeof j;
  } catch {
    throw failedPrecondition(`error getting credentials - err: docker-credential-${name} get: reply is not JSON`, { code: 'registry.credhelper', exitCode: 1 });
  }
  if (typeof j.Username !== 'string' || typeof j.Secret !== 'string' || !j.Secret) return undefined;
  // `<token>` means an identity token (OAuth refresh token), which berth does not use yet: anonymous
  if (j.Username === '<token>' || !j.Username) return undefined;
  return { username: j.Username, password: j.Secret };
}

/** `docker-credential-NAME list`: the server URLs the helper holds credentials for. */
function helperList(name: string): string[] {
  const r = runCredentialHelper(name, 'list', '');
  if (r.status !== 0) throw helperError(name, 'list', r);
  try {
    const j = JSON.parse(r.stdout || '{}') as unknown;
    return j && typeof j === 'object' && !Array.isArray(j) ? Object.keys(j) : [];
  } catch {
    return [];
  }
}

/** Stored credentials for a registry (as `docker login` left them: in its helper, else in `auths`), if any. */
export function credentialsFor(domain: string, c = readConfig()): Credentials | undefined {
  const helper = helperFor(domain, c);
  if (helper) return helperGet(helper, authKey(domain));
  for (const k of keysFor(domain)) {
    const a = c.auths?.[k]?.auth;
    if (!a) continue;
    const s = Buffer.from(a, 'base64').toString('utf8');
    const i = s.indexOf(':');
    if (i > 0) return { username: s.slice(0, i), password: s.slice(i + 1) };
  }
  return undefined;
}

/**
 * Keep a registry's credentials: through its helper (`store`, JSON on stdin; config.json then
 * only gets an empty `auths` entry, as the docker CLI writes), else base64 in `auths`.
 * Returns the helper's name, or undefined when they went into the file.
 */
export function storeCredentials(domain: string, cred: Credentials): string | undefined {
  const c = readConfig();
  const helper = helperFor(domain, c);
  if (helper) {
    const r = runCredentialHelper(helper, 'store', JSON.stringify({ ServerURL: authKey(domain), Username: cred.username, Secret: cred.password }));
    if (r.status !== 0) throw helperError(helper, 'store', r);
    c.auths = { ...c.auths, [authKey(domain)]: {} };
  } else c.auths = { ...c.auths, [authKey(domain)]: { auth: Buffer.from(`${cred.username}:${cred.password}`).toString('base64') } };
  writeConfig(c);
  return helper;
}

/** Remove a registry's credentials (from its helper too: `erase`); false when there were none. */
export function eraseCredentials(domain: string): boolean {
  const c = readConfig();
  let hit = false;
  for (const k of keysFor(domain)) {
    if (c.auths?.[k]) {
      delete c.auths[k];
      hit = true;
    }
  }
  const helper = helperFor(domain, c);
  if (helper && (hit || helperList(helper).includes(authKey(domain)))) {
    hit = true;
    const r = runCredentialHelper(helper, 'erase', authKey(domain));
    if (r.status !== 0 && !(!r.spawnError && r.stdout.includes(NOT_FOUND))) throw helperError(helper, 'erase', r);
  }
  if (hit) writeConfig(c);
  return hit;
}

/**
 * dockerd's `registry-mirrors` for Docker Hub, in order: `http(s)://host[:port]` (a path,
 * query or fragment is refused, as dockerd does). A bad entry is a one-line config error.
 */
export function registryMirrors(c = readConfig()): URL[] {
  const list = c['registry-mirrors'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalidArgument(`${configFile()}: registry-mirrors must be a list of URLs`, { code: 'config.invalid', exitCode: 1 });
  return list.map((m) => {
    let u: URL | undefined;
    try {
      u = typeof m === 'string' ? new URL(m) : undefined;
    } catch {
      u = undefined;
    }
    const shown = JSON.stringify(String(m).slice(0, 200));
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.host) throw invalidArgument(`${configFile()}: invalid mirror: ${shown} is not an http(s) URL`, { code: 'config.invalid', exitCode: 1 });
    if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) throw invalidArgument(`${configFile()}: invalid mirror: path, query, fragment or credentials in ${shown}`, { code: 'config.invalid', exitCode: 1 });
    return u;
  });
}

/** Plain HTTP (and unverified TLS) is allowed for loopback and the config's insecure registries. */
export function isInsecureRegistry(host: string, c = readConfig()): boolean {
  if (isLoopbackHost(host)) return true;
  const list = c['insecure-registries'];
  return Array.isArray(list) && list.some((h) => typeof h === 'string' && h.replace(/^https?:\/\//, '').replace(/\/$/, '') === host);
}

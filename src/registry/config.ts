import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errnoCode, invalidArgument } from '../errors.js';
import { atomicWriteFileSync } from '../sys/atomicWrite.js';
import { DOCKER_HUB, isLoopbackHost } from './reference.js';

/**
 * berth's client config: `$BERTH_CONFIG/config.json`, else `~/.berth/config.json`. The
 * format is Docker's `~/.docker/config.json` (`auths` with base64 `user:password` under
 * `auth`), plus dockerd's `insecure-registries` list; unknown keys are kept on write.
 */
export interface ClientConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  'insecure-registries'?: string[];
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

/** Stored credentials for a registry (as `docker login` left them), if any. */
export function credentialsFor(domain: string, c = readConfig()): Credentials | undefined {
  for (const k of keysFor(domain)) {
    const a = c.auths?.[k]?.auth;
    if (!a) continue;
    const s = Buffer.from(a, 'base64').toString('utf8');
    const i = s.indexOf(':');
    if (i > 0) return { username: s.slice(0, i), password: s.slice(i + 1) };
  }
  return undefined;
}

export function storeCredentials(domain: string, cred: Credentials): void {
  const c = readConfig();
  c.auths = { ...c.auths, [authKey(domain)]: { auth: Buffer.from(`${cred.username}:${cred.password}`).toString('base64') } };
  writeConfig(c);
}

/** Remove a registry's credentials; false when there were none. */
export function eraseCredentials(domain: string): boolean {
  const c = readConfig();
  let hit = false;
  for (const k of keysFor(domain)) {
    if (c.auths?.[k]) {
      delete c.auths[k];
      hit = true;
    }
  }
  if (hit) writeConfig(c);
  return hit;
}

/** Plain HTTP (and unverified TLS) is allowed for loopback and the config's insecure registries. */
export function isInsecureRegistry(host: string, c = readConfig()): boolean {
  if (isLoopbackHost(host)) return true;
  const list = c['insecure-registries'];
  return Array.isArray(list) && list.some((h) => typeof h === 'string' && h.replace(/^https?:\/\//, '').replace(/\/$/, '') === host);
}

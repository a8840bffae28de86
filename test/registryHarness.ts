import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { tmpDir } from './helpers.js';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  dir: string;
  /** Stop the registry (by its PID) and remove its storage. */
  stop(): void;
}

export const hasRegistry = fs.existsSync('/usr/bin/docker-registry');
export const requiresRegistry = hasRegistry ? {} : { skip: 'needs Debian docker-registry (apt-get install docker-registry)' };

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function ping(host: string): Promise<number> {
  return new Promise((resolve) => {
    const r = http.get(`http://${host}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', () => resolve(0));
  });
}

/**
 * Debian's docker-registry (distribution 2.8) on a free loopback port with its own config
 * and storage. `htpasswd`: users with passwords, for Basic auth (bcrypt, `htpasswd -B`).
 */
export async function startRegistry(o: { htpasswd?: Record<string, string> } = {}): Promise<TestRegistry> {
  const dir = tmpDir('berth-registry-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  if (o.htpasswd) {
    const file = path.join(dir, 'htpasswd');
    for (const [u, p] of Object.entries(o.htpasswd)) execFileSync('htpasswd', ['-B', '-b', ...(fs.existsSync(file) ? [] : ['-c']), file, u, p], { stdio: 'ignore' });
    auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${file}\n`;
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/storage\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n  secret: berth-test-secret\n${auth}`);
  const child = spawn('/usr/bin/docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'log'), 'w')] });
  const stop = () => {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const s = await ping(host);
    if (s === 200 || s === 401) break;
    if (child.exitCode !== null || i > 400) {
      const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
      stop();
      throw new Error(`docker-registry did not start: ${log.slice(0, 500)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { host, dir, stop };
}

/** skopeo, with no signature policy and plain HTTP to the test registry. */
export function skopeo(...args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

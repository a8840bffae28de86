/**
 * `berth serve` for the API tests: a server on a socket in a temp dir over the Engine's
 * throwaway root (busybox inside), raw HTTP requests to it, and the real docker CLI
 * pointed at it with an empty DOCKER_CONFIG.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { berthBin, tmpDir, until } from '../helpers.js';
import { Engine, type Out } from './engineHarness.js';

export const DOCKER = '/usr/local/bin/docker';
export const hasDocker = fs.existsSync(DOCKER);

export interface Reply { status: number; headers: http.IncomingHttpHeaders; text: string; json: any; raw: Buffer }

export class ApiServer {
  readonly dir = tmpDir('berth-api-');
  readonly sock = path.join(this.dir, 'api.sock');
  readonly dockerConfig = path.join(this.dir, 'docker-config');
  proc?: ChildProcess;
  log = '';

  constructor(readonly engine: Engine) {
    fs.mkdirSync(this.dockerConfig);
  }

  static async start(env: NodeJS.ProcessEnv = {}): Promise<ApiServer> {
    const s = new ApiServer(await new Engine('berth-api-root-').init());
    await s.spawn(env);
    return s;
  }

  async spawn(env: NodeJS.ProcessEnv = {}, extra: string[] = []): Promise<void> {
    const p = spawn(process.execPath, [berthBin, '--root', this.engine.root, 'serve', '-H', `unix://${this.sock}`, '--log-level', 'debug', ...extra], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    this.proc = p;
    this.log = '';
    p.stderr!.on('data', (d) => (this.log += d));
    const exited = new Promise((r) => p.once('exit', r));
    await Promise.race([until(() => this.log.includes('API listening'), 60_000), exited]);
    if (!this.log.includes('API listening')) throw new Error(`berth serve did not start: ${this.log}`);
  }

  /** SIGTERM (clean stop) and wait for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    const done = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    p.kill(signal);
    return done;
  }

  request(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      const req = http.request({ socketPath: this.sock, method, path: p, headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', () => undefined);
        // 'close' also comes when the server cuts a streamed answer short (it stops): what came counts.
        res.on('close', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch { /* not JSON */ }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, raw });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  /** A raw connection: write `head` and read everything until the server closes. */
  raw(head: string | Buffer, opts: { endAfterWrite?: boolean; input?: Buffer } = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const c = net.connect(this.sock);
      const chunks: Buffer[] = [];
      c.on('data', (d) => chunks.push(d));
      // A server that refuses (431, slow-loris) may reset while we still write: what came back counts.
      c.on('error', (e) => (chunks.length ? resolve(Buffer.concat(chunks)) : reject(e)));
      c.on('close', () => resolve(Buffer.concat(chunks)));
      c.write(head);
      if (opts.input) c.write(opts.input);
      if (opts.endAfterWrite) c.end();
    });
  }

  docker(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): Out {
    const r = spawnSync(DOCKER, args, { encoding: 'utf8', input, env: { ...process.env, DOCKER_HOST: `unix://${this.sock}`, DOCKER_CONFIG: this.dockerConfig, ...env }, timeout: 120_000 });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  }

  dockerEnv(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_HOST: `unix://${this.sock}`, DOCKER_CONFIG: this.dockerConfig };
  }

  async cleanup(): Promise<void> {
    await this.stop('SIGKILL');
    this.engine.cleanup();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Docker's multiplexed frames -> { stdout, stderr }. */
export function demux(b: Buffer): { stdout: string; stderr: string } {
  let out = '';
  let err = '';
  let off = 0;
  while (b.length - off >= 8) {
    const len = b.readUInt32BE(off + 4);
    const payload = b.subarray(off + 8, off + 8 + len).toString('utf8');
    if (b[off] === 2) err += payload;
    else out += payload;
    off += 8 + len;
  }
  return { stdout: out, stderr: err };
}

/**
 * The accelerator: a warm berth process that runs command lines for berth-launch
 * (native/launch/launch.c), so a short command does not pay for starting Node (~100 ms
 * here) and loading the CLI. It is not a daemon berth depends on: containers never talk
 * to it, every command works without it (BERTH_ACCEL=0 turns it off), and it exits after
 * ten idle minutes or when the CLI it runs has been rebuilt.
 *
 * One command at a time, in this process, with the caller's cwd, umask and environment;
 * output goes back over the socket as frames. A second caller while one runs, and any
 * command line `warmable` declines, is told to run cold. A signal the caller gets is
 * passed on to us: if the command handles it (e.g. `run` forwards it to the container),
 * fine; if not, the command would have died of it, so we tell the caller to die of it too
 * and exit (the next command starts a fresh accelerator).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ownContext, peerContext } from '../../sys/procContext.js';
import { contextKey, FRAME, frame, intFrame, parseRequest, peerKey, requestSize, type LaunchRequest } from './protocol.js';
import { warmable } from './warmable.js';

export interface WorkerOptions {
  socketPath: string;
  /** Runs one command line (the CLI's main); sets process.exitCode. */
  run: (argv: string[]) => Promise<void>;
  /** Something that changes when the CLI is rebuilt (the bundle's size and mtime). */
  stamp: () => string;
  idleMs?: number;
}

/**
 * Where berth-launch looks: one accelerator per installation, named after the real path
 * of its bin/berth.js (keep in step with socket_path() in native/launch/launch.c).
 */
export function acceleratorSocket(entry: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_ACCEL_SOCK) return env.BERTH_ACCEL_SOCK;
  let real = entry;
  try {
    real = fs.realpathSync(entry);
  } catch { /* as given */ }
  const hash = fnv1a64(real).toString(16).padStart(16, '0');
  const uid = process.getuid?.() ?? 0;
  return uid === 0 ? `/run/berth/accel-${hash}.sock` : `/tmp/berth-accel-${uid}-${hash}.sock`;
}

export function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(text)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

const HANDLED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const;

/** A stream that sends what is written as frames of one type, while `live` says so. */
class Relay extends Writable {
  isTTY: boolean;
  columns: number;
  rows: number;
  constructor(private sock: net.Socket, private type: number, tty: boolean, req: LaunchRequest, private live: () => boolean) {
    super({ decodeStrings: true });
    this.isTTY = tty;
    this.columns = req.columns || 80;
    this.rows = req.rows || 24;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (chunk.length === 0 || !this.live() || this.sock.destroyed) return cb();
    this.sock.write(frame(this.type, chunk), () => cb());
  }
  getWindowSize(): [number, number] {
    return [this.columns, this.rows];
  }
  hasColors(): boolean {
    return false;
  }
}

export async function serveAccelerator(o: WorkerOptions): Promise<void> {
  const stamp = o.stamp();
  const own = ownContext();
  const context = contextKey(own);
  const peerWanted = peerKey(own);
  const idleMs = o.idleMs ?? 10 * 60_000;
  const server = net.createServer();
  await listen(server, o.socketPath);
  let busy = false;
  let current: { sock: net.Socket } | undefined;
  let idle: NodeJS.Timeout | undefined;
  const quit = (code = 0) => {
    try {
      server.close();
      if (fs.existsSync(o.socketPath)) fs.rmSync(o.socketPath, { force: true });
    } catch { /* leaving anyway */ }
    process.exit(code);
  };
  const armIdle = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => quit(0), idleMs);
  };
  armIdle();
  // A rebuilt berth makes an idle accelerator step down without waiting for a command.
  setInterval(() => {
    if (!busy && o.stamp() !== stamp) quit(0);
  }, 30_000).unref();

  for (const sig of HANDLED) {
    process.on(sig, () => {
      // Ours is the only listener: the command does not handle it, so it dies of it.
      if (process.listenerCount(sig) > 1) return;
      const signum = os.constants.signals[sig];
      if (current && !current.sock.destroyed) current.sock.end(intFrame(FRAME.signal, signum));
      quit(128 + signum);
    });
  }
  process.on('uncaughtException', (e) => {
    if (current && !current.sock.destroyed) {
      current.sock.write(frame(FRAME.stderr, `berth: ${e instanceof Error ? e.message : String(e)}\n`));
      current.sock.end(intFrame(FRAME.exit, 125));
    }
    quit(1);
  });

  const realEnv = process.env;
  const realCwd = process.cwd();
  server.on('connection', (sock) => {
    // Who really called (the kernel's account, not the request's): started now, done by the time the request is in.
    const peer = peerContext(sock);
    Promise.all([readRequest(sock), peer]).then(async ([req, real]) => {
      if (!req) return;
      // Another context (ulimit, nice, namespaces, root, ids, capabilities, seccomp) than ours: a
      // cold run inherits the caller's. The request's own report must agree (berth-launch sends
      // it), but only what the kernel says about the peer is trusted; unknown means cold.
      if (busy || !warmable(req.argv) || o.stamp() !== stamp || contextKey(req.context) !== context || !real || peerKey(real.context) !== peerWanted) {
        sock.end(frame(FRAME.cold));
        if (!busy && o.stamp() !== stamp) quit(0);
        return;
      }
      busy = true;
      if (idle) clearTimeout(idle);
      current = { sock };
      let live = true;
      const out = new Relay(sock, FRAME.stdout, req.tty.stdout, req, () => live);
      const err = new Relay(sock, FRAME.stderr, req.tty.stderr, req, () => live);
      const saved = { stdout: Object.getOwnPropertyDescriptor(process, 'stdout')!, stderr: Object.getOwnPropertyDescriptor(process, 'stderr')! };
      Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: () => out });
      Object.defineProperty(process, 'stderr', { configurable: true, enumerable: true, get: () => err });
      const savedUmask = process.umask(req.umask);
      process.env = req.env;
      process.exitCode = undefined;
      try {
        process.chdir(req.cwd);
        await o.run(req.argv);
      } catch (e) {
        err.write(`berth: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 125;
      } finally {
        const code = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0) || 0;
        process.exitCode = undefined;
        await Promise.all([flush(out), flush(err)]);
        live = false;
        Object.defineProperty(process, 'stdout', saved.stdout);
        Object.defineProperty(process, 'stderr', saved.stderr);
        process.umask(savedUmask);
        process.env = realEnv;
        try {
          process.chdir(realCwd);
        } catch { /* stays where it was */ }
        if (!sock.destroyed) sock.end(intFrame(FRAME.exit, code));
        current = undefined;
        busy = false;
        armIdle();
      }
    }).catch(() => sock.destroy());
  });
}

/** Resolves once everything written before has been handed to the socket (writes run in order). */
function flush(w: Writable): Promise<void> {
  return new Promise((resolve) => w.write(Buffer.alloc(0), () => resolve()));
}

/** One request per connection; undefined (and the connection dropped) if it is not one. */
function readRequest(sock: net.Socket): Promise<LaunchRequest | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const fail = () => {
      sock.destroy();
      resolve(undefined);
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let size: number | undefined;
      try {
        size = requestSize(buf);
      } catch {
        return fail();
      }
      if (size === undefined || buf.length < size) return;
      sock.off('data', onData);
      try {
        resolve(parseRequest(buf));
      } catch {
        fail();
      }
    };
    sock.on('data', onData);
    sock.on('error', () => resolve(undefined));
    sock.on('end', () => resolve(undefined));
  });
}

/** Listen on the socket path; a stale socket is replaced, a live one means another accelerator: exit. */
async function listen(server: net.Server, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const old = process.umask(0o077);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(file, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 0) throw e;
        if (await alive(file)) process.exit(0);
        fs.rmSync(file, { force: true });
      }
    }
  } finally {
    process.umask(old);
  }
}

function alive(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(file);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

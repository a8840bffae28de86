/**
 * `berth serve`: the Engine API over node:http on unix sockets (and TCP only with mutual
 * TLS), one route table, handlers calling the engine in process. Containers it starts are
 * ordinary berth containers with their own monitors: they outlive the server.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { ContainerStore } from '../engine/ContainerStore.js';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { atomicWriteFileSync } from '../sys/atomicWrite.js';
import type { ApiContext } from './context.js';
import { messageFor, statusFor } from './errors.js';
import { Exchange } from './exchange.js';
import { DEFAULT_SOCKET, parseListenAddress, type ListenAddress } from './listenAddress.js';
import { Router } from './router.js';
import { registerRoutes } from './routes/index.js';

export interface ServeOptions {
  root: string;
  hosts: string[];
  logLevel?: string;
  pidFile?: string;
  tls?: { verify?: boolean; ca?: string; cert?: string; key?: string };
  /** Tests: shorter slow-loris limits (ms). */
  headersTimeoutMs?: number;
  /** Resolves once listening (the sockets' paths), for tests and the CLI's notice. */
  onListening?: (addresses: string[]) => void;
  /** Stop when this aborts (the CLI wires SIGTERM/SIGINT to it). */
  signal?: AbortSignal;
}

/** dockerd's X-Registry-Auth and friends fit easily; a megabyte of headers is an attack. */
const MAX_HEADER_BYTES = 64 << 10;

export async function serve(o: ServeOptions): Promise<void> {
  const addrs = (o.hosts.length ? o.hosts : [`unix://${DEFAULT_SOCKET}`]).map(parseListenAddress);
  if (addrs.some((a) => a.kind === 'tcp')) checkTls(o.tls);
  const stopping = new AbortController();
  const debug = o.logLevel === 'debug';
  const ctx: ApiContext = {
    root: o.root, store: new ContainerStore(o.root), debug, stopping: stopping.signal,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  };
  ctx.store.init();
  const router = new Router();
  await registerRoutes(router);
  const upgraded = new Set<Duplex>();
  const servers: http.Server[] = [];
  const sockets: string[] = [];
  const pidFile = o.pidFile ?? defaultPidFile(addrs);
  try {
    for (const a of addrs) {
      const srv = makeServer(a, o, ctx, router, upgraded);
      servers.push(srv);
      await listen(srv, a);
      if (a.kind === 'unix') sockets.push(a.path);
    }
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    atomicWriteFileSync(pidFile, `${process.pid}\n`, 0o644, false);
  } catch (e) {
    await shutdown(servers, upgraded, sockets, undefined);
    throw e;
  }
  o.onListening?.(addrs.map((a) => (a.kind === 'unix' ? `unix://${a.path}` : `tcp://${a.host}:${a.port}`)));
  await new Promise<void>((resolve) => {
    if (o.signal?.aborted) resolve();
    o.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  stopping.abort();
  await shutdown(servers, upgraded, sockets, pidFile);
}

function defaultPidFile(addrs: ListenAddress[]): string {
  const first = addrs.find((a) => a.kind === 'unix');
  if (!first || first.path === DEFAULT_SOCKET) return path.join(path.dirname(DEFAULT_SOCKET), 'berth.pid');
  return `${first.path}.pid`;
}

/** TCP is only for clients holding a certificate our CA signed (dockerd's --tlsverify). */
function checkTls(t: ServeOptions['tls']): void {
  if (!t?.verify || !t.ca || !t.cert || !t.key) {
    throw invalidArgument('refusing to listen on TCP without TLS client verification', { hint: 'pass --tlsverify --tlscacert CA --tlscert CERT --tlskey KEY, or listen on a unix socket' });
  }
}

function makeServer(a: ListenAddress, o: ServeOptions, ctx: ApiContext, router: Router, upgraded: Set<Duplex>): http.Server {
  const headersTimeout = o.headersTimeoutMs ?? 30_000;
  const opts: http.ServerOptions = {
    maxHeaderSize: MAX_HEADER_BYTES,
    headersTimeout,
    // A whole request (headers and body); long bodies (image loads, build contexts) may take minutes.
    requestTimeout: Math.max(headersTimeout, 600_000),
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
    keepAliveTimeout: 5_000,
  };
  const srv = a.kind === 'tcp'
    ? https.createServer({ ...opts, ca: fs.readFileSync(o.tls!.ca!), cert: fs.readFileSync(o.tls!.cert!), key: fs.readFileSync(o.tls!.key!), requestCert: true, rejectUnauthorized: true })
    : http.createServer(opts);
  srv.on('request', (req, res) => void dispatch(new Exchange(ctx, req, res), ctx, router));
  srv.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    void dispatch(new Exchange(ctx, req, undefined, socket, head), ctx, router);
  });
  srv.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (ctx.debug) ctx.log(`client error: ${err.code ?? err.message}`);
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ message: status === 431 ? 'request header fields too large' : status === 408 ? 'request timeout' : 'bad request' });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  return srv;
}

async function dispatch(x: Exchange, ctx: ApiContext, router: Router): Promise<void> {
  const t0 = process.hrtime.bigint();
  try {
    const m = router.match(x.method, x.url.pathname);
    x.params = m.params;
    x.version = m.version;
    x.path = m.path;
    await m.handler(x);
    if (!x.answered) x.noContent();
  } catch (e) {
    if (!x.answered) x.sendJson(statusFor(e), { message: messageFor(e) });
    else {
      if (ctx.debug) ctx.log(`${x.method} ${x.url.pathname}: ${messageFor(e)}`);
      x.res?.destroy();
      x.socket?.destroy();
    }
    if (statusFor(e) >= 500) ctx.log(`${x.method} ${x.url.pathname}: ${messageFor(e)}`);
  } finally {
    if (ctx.debug) ctx.log(`${x.method} ${x.url.pathname}${x.url.search} ${x.status} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)}ms`);
  }
}

/** A unix socket: refuse when something answers on it; a stale one (nobody listening) goes. */
async function claimSocket(p: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    return;
  }
  if (!st.isSocket()) throw failedPrecondition(`${p} exists and is not a socket`, { hint: 'remove it or choose another path with -H' });
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(p);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw failedPrecondition(`another server is already listening on ${p}`, { hint: 'stop it first (berth serve refuses to share a socket)' });
  fs.rmSync(p, { force: true });
}

async function listen(srv: http.Server, a: ListenAddress): Promise<void> {
  if (a.kind === 'unix') await claimSocket(a.path);
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    if (a.kind === 'unix') srv.listen(a.path, () => resolve());
    else srv.listen(a.port, a.host, () => resolve());
  });
  if (a.kind !== 'unix') return;
  fs.chmodSync(a.path, 0o660);
  const gid = groupId('berth');
  if (gid !== undefined) fs.chownSync(a.path, 0, gid);
}

/** The gid of a group in /etc/group, when it exists. */
function groupId(name: string): number | undefined {
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && /^\d+$/.test(f[2] ?? '')) return Number(f[2]);
    }
  } catch { /* no /etc/group */ }
  return undefined;
}

async function shutdown(servers: http.Server[], upgraded: Set<Duplex>, sockets: string[], pidFile: string | undefined): Promise<void> {
  for (const s of upgraded) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((r) => {
    if (!s.listening) return r();
    s.close(() => r());
    s.closeAllConnections();
  })));
  for (const p of sockets) fs.rmSync(p, { force: true });
  if (pidFile) fs.rmSync(pidFile, { force: true });
}

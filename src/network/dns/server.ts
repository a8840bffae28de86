/**
 * The embedded DNS server of one user network (like Podman's aardvark-dns): a detached
 * Node process listening on the network's gateway, port 53/udp. It answers container
 * names and aliases from the network's state file (re-read when it changes) and relays
 * other queries to the upstream resolvers. Started by dns/manage.ts; prints "ready" once bound.
 *
 * Usage: node server.js <state.json> <listenIp> <port> <upstream,...|->
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import type { NetworkState } from '../types.js';
import { recordsOf } from './records.js';
import { buildResponse, parseQuery, RCODE_NXDOMAIN, RCODE_OK, RCODE_SERVFAIL, TYPE_A } from './wire.js';

const [stateFile, listenIp, portStr, upstreamArg] = process.argv.slice(2);
const upstreams = !upstreamArg || upstreamArg === '-' ? [] : upstreamArg.split(',');
const UPSTREAM_TIMEOUT_MS = 2000;

/** Per state file, keyed by inode too: every atomic write is a new file, and mtimes are only tick-precise. */
const cache = new Map<string, { key: string; net: NetworkState; records: Map<string, string[]> }>();

function load(file: string): { net: NetworkState; records: Map<string, string[]> } | undefined {
  try {
    const st = fs.statSync(file);
    const key = `${st.ino}:${st.mtimeMs}:${st.size}`;
    const hit = cache.get(file);
    if (!hit || hit.key !== key) {
      const net = JSON.parse(fs.readFileSync(file, 'utf8')) as NetworkState;
      cache.set(file, { key, net, records: recordsOf(net) });
    }
  } catch {
    // State file gone or mid-replace: keep the last good records.
  }
  return cache.get(file);
}

function records(): Map<string, string[]> {
  return load(stateFile)?.records ?? new Map();
}

/**
 * Names on the querying container's other user networks (Docker's embedded DNS resolves
 * every network a container is connected to): find the asker by its source address here,
 * then look the name up in each sibling network that has an endpoint for it.
 */
function peerLookup(name: string, sourceIp: string): string[] | undefined {
  const own = load(stateFile)?.net;
  const me = own && Object.values(own.endpoints).find((ep) => ep.ip === sourceIp);
  if (!me) return undefined;
  const dir = path.dirname(stateFile);
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => path.join(dir, f));
  } catch {
    return undefined;
  }
  for (const f of files) {
    if (f === stateFile) continue;
    const other = load(f);
    if (!other || other.net.isDefault || !other.net.endpoints[me.containerId]) continue;
    const hit = other.records.get(name);
    if (hit) return hit;
  }
  return undefined;
}

/** The asker's own `--dns` servers when it has some (Docker's per-container ExtServers), else the network's. */
function upstreamsOf(sourceIp: string): string[] {
  const me = Object.values(load(stateFile)?.net.endpoints ?? {}).find((ep) => ep.ip === sourceIp);
  return me?.dns?.length ? me.dns : upstreams;
}

/** Relay a raw query to each upstream in turn; resolves undefined if none answers. */
function forward(raw: Buffer, hosts: string[]): Promise<Buffer | undefined> {
  if (hosts.length === 0) return Promise.resolve(undefined);
  const [host, ...rest] = hosts;
  const [addr, p] = host.includes('#') ? host.split('#') : [host, '53'];
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (b: Buffer | undefined) => {
      clearTimeout(t);
      s.close();
      if (b) resolve(b);
      else resolve(forward(raw, rest));
    };
    let settled = false;
    const t = setTimeout(() => !settled && ((settled = true), done(undefined)), UPSTREAM_TIMEOUT_MS);
    s.on('error', () => !settled && ((settled = true), done(undefined)));
    s.on('message', (m) => !settled && ((settled = true), done(m)));
    s.send(raw, Number(p), addr);
  });
}

async function handle(sock: dgram.Socket, raw: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
  const q = parseQuery(raw);
  if (!q) return; // not a query we understand: drop it
  const addrs = records().get(q.question.name) ?? peerLookup(q.question.name, rinfo.address);
  let reply: Buffer | undefined;
  if (addrs) reply = buildResponse(raw, q, q.question.type === TYPE_A ? addrs : [], RCODE_OK);
  else {
    const ups = upstreamsOf(rinfo.address);
    reply = await forward(raw, ups);
    if (!reply) reply = buildResponse(raw, q, [], ups.length ? RCODE_SERVFAIL : RCODE_NXDOMAIN);
  }
  sock.send(reply, rinfo.port, rinfo.address);
}

const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
sock.on('message', (m, r) => void handle(sock, m, r).catch((e: Error) => process.stderr.write(`berth dns: ${e.message}\n`)));
process.on('uncaughtException', (e) => process.stderr.write(`berth dns: uncaught: ${e.stack ?? e.message}\n`));
sock.on('error', (e) => {
  process.stderr.write(`berth dns: ${e.message}\n`);
  process.exit(1);
});
sock.bind(Number(portStr), listenIp, () => {
  process.stdout.write('ready\n', () => undefined);
  process.stdout.on('error', () => undefined);
});
// The network (or its whole berth root) was removed without stopping us: exit (state files are replaced by rename, never absent meanwhile).
setInterval(() => fs.existsSync(stateFile) || process.exit(0), 1000);
process.on('SIGTERM', () => {
  sock.close();
  process.exit(0);
});

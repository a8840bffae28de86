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
import type { NetworkState } from '../types.js';
import { recordsOf } from './records.js';
import { buildResponse, parseQuery, RCODE_NXDOMAIN, RCODE_OK, RCODE_SERVFAIL, TYPE_A } from './wire.js';

const [stateFile, listenIp, portStr, upstreamArg] = process.argv.slice(2);
const upstreams = !upstreamArg || upstreamArg === '-' ? [] : upstreamArg.split(',');
const UPSTREAM_TIMEOUT_MS = 2000;

/** Keyed by inode too: every atomic write is a new file, and mtimes are only tick-precise. */
let cache: { key: string; records: Map<string, string[]> } | undefined;

function records(): Map<string, string[]> {
  try {
    const st = fs.statSync(stateFile);
    const key = `${st.ino}:${st.mtimeMs}:${st.size}`;
    if (!cache || cache.key !== key) {
      const net = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as NetworkState;
      cache = { key, records: recordsOf(net) };
    }
  } catch {
    // State file gone or mid-replace: keep the last good records.
  }
  return cache?.records ?? new Map();
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
  const addrs = records().get(q.question.name);
  let reply: Buffer | undefined;
  if (addrs) reply = buildResponse(raw, q, q.question.type === TYPE_A ? addrs : [], RCODE_OK);
  else {
    reply = await forward(raw, upstreams);
    if (!reply) reply = buildResponse(raw, q, [], upstreams.length ? RCODE_SERVFAIL : RCODE_NXDOMAIN);
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
process.on('SIGTERM', () => {
  sock.close();
  process.exit(0);
});

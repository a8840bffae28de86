/**
 * bench/network: (1) extra start time of a bridged container over `--network none`,
 * measured (until the engine is wired) as attachContainer() on a fresh netns against
 * the bare netns creation, both in this process; (2) netns-to-netns TCP throughput
 * over the bridge against host loopback throughput, same run, same client/server.
 * Usage (root): node dist/bench/network.js [iterations=30] [megabytes=2048]
 * Only touches namespaces, links and rules it creates, under a temporary berth root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { attachContainer, detachContainer, ensureDefaultNetwork, removeNetwork } from '../src/network/index.js';

// Clean up even when stdout goes away (`| head`): EPIPE must not skip the finally below.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));

const iterations = Number(process.argv[2] ?? 30);
const megabytes = Number(process.argv[3] ?? 2048);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-netbench-'));
const tag = process.pid.toString(16);
const created: string[] = [];

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function newNetns(): string {
  const name = `berth-netbench-${tag}-${created.length}`;
  execFileSync('ip', ['netns', 'add', name]);
  created.push(name);
  return name;
}

/** TCP sink + source in node: returns MB/s seen by the receiver. */
const SERVER = `const n=require('net');let b=0,t0;const s=n.createServer(c=>{c.on('data',d=>{if(!t0)t0=process.hrtime.bigint();b+=d.length});c.on('end',()=>{const sec=Number(process.hrtime.bigint()-t0)/1e9;console.log(JSON.stringify({mbps:b/1048576/sec}));s.close()})});s.listen(PORT,'0.0.0.0',()=>console.log('ready'));`;
const CLIENT = `const n=require('net');const buf=Buffer.alloc(1<<20);let left=MB;const c=n.connect(PORT,'HOST',()=>{const w=()=>{while(left>0){left--;if(!c.write(buf))return c.once('drain',w)}c.end()};w()});`;

function inNs(ns: string | undefined, args: string[]) {
  return ns ? ['ip', ['netns', 'exec', ns, ...args]] as const : [args[0], args.slice(1)] as const;
}

async function throughput(serverNs: string | undefined, clientNs: string | undefined, host: string, port: number): Promise<number> {
  const [sc, sa] = inNs(serverNs, [process.execPath, '-e', SERVER.replace('PORT', String(port))]);
  const srv = spawn(sc, sa, { stdio: ['ignore', 'pipe', 'inherit'] });
  const srvExit = new Promise((r) => srv.on('exit', r));
  const lines: string[] = [];
  let ready: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  srv.stdout.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n').filter(Boolean)) (l === 'ready' ? ready() : lines.push(l));
  });
  await Promise.race([isReady, srvExit.then(() => Promise.reject(new Error('throughput server exited early')))]);
  const [cc, ca] = inNs(clientNs, [process.execPath, '-e', CLIENT.replace('PORT', String(port)).replace('HOST', host).replace('MB', String(megabytes))]);
  const cli = spawn(cc, ca, { stdio: 'inherit' });
  await new Promise((r) => cli.on('exit', r));
  await srvExit;
  return JSON.parse(lines[0]).mbps as number;
}

async function main(): Promise<void> {
  await ensureDefaultNetwork(root, { bridge: `berthB${tag}`.slice(0, 15), subnet: '10.213.250.0/24' });
  // Warm-up: the bridge and firewall chains exist before the timed runs (as for any but the first container).
  const warm = newNetns();
  await attachContainer({ root, containerId: `warm${tag}`.padEnd(64, '0'), name: 'warm', netnsPath: `/run/netns/${warm}` });
  const bare: number[] = [];
  const attach: number[] = [];
  for (let i = 0; i < iterations; i++) {
    let t0 = process.hrtime.bigint();
    newNetns();
    bare.push(ms(t0));
    const ns = newNetns();
    t0 = process.hrtime.bigint();
    await attachContainer({ root, containerId: `c${i}x${tag}`.padEnd(64, '0'), name: `c${i}`, netnsPath: `/run/netns/${ns}` });
    attach.push(ms(t0));
  }
  const a = median(attach);
  const b = median(bare);
  console.log(`attach (bridged container's extra start time): median ${a.toFixed(2)} ms over ${iterations} (target <= 10 ms; Docker ~100 ms, Podman CNI ~160 ms)`);
  console.log(`bare netns creation (ip netns add, the --network none baseline): median ${b.toFixed(2)} ms`);
  console.log(`ratio attach / bare netns: ${(a / b).toFixed(2)}x`);

  const sNs = created[created.length - 1];
  const cNs = created[created.length - 3];
  const sIp = execFileSync('ip', ['-n', sNs, '-4', '-o', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).match(/inet (\S+)\//)![1];
  const lo = await throughput(undefined, undefined, '127.0.0.1', 47111);
  const br = await throughput(sNs, cNs, sIp, 47112);
  console.log(`TCP throughput host loopback: ${lo.toFixed(0)} MB/s`);
  console.log(`TCP throughput netns -> netns over ${'the bridge'}: ${br.toFixed(0)} MB/s`);
  console.log(`ratio bridge / loopback: ${(br / lo).toFixed(2)} (target >= 0.8)`);
}

let cleaned: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaned ??= doCleanup();
  return cleaned;
}

async function doCleanup(): Promise<void> {
  for (const ns of created) {
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      /* already gone */
    }
  }
  const { NetworkStore } = await import('../src/network/index.js');
  for (const id of Object.keys(new NetworkStore(root).find('bridge')?.endpoints ?? {})) await detachContainer({ root, containerId: id });
  await removeNetwork(root, 'bridge', { allowDefault: true }).catch((e) => console.error(String(e)));
  fs.rmSync(root, { recursive: true, force: true });
}

try {
  await main();
} finally {
  await cleanup();
}

/**
 * bench/network, through the real `berth` CLI:
 *  (1) extra start time of a bridged container over `--network none`: median wall time of
 *      `berth run -d --network bridge busybox sleep` against `--network none`, interleaved,
 *      same run (target: <= 10 ms extra); rm is not timed. Also `run --rm ... true` both ways.
 *  (2) container -> container TCP throughput over the default bridge against host loopback,
 *      the same node client/server both times (the host's node, bind-mounted read-only into
 *      busybox containers) (target >= 0.8x). The containers' transfer starts only once every
 *      `berth` CLI process has ended (the client waits for a `go` file, the result comes back
 *      as a file): on 2 cores a CLI start-up (~200 ms of CPU) during a ~0.5 s transfer would
 *      measure the CLI, not the network. Five interleaved rounds, medians.
 * Usage (root): node dist/bench/network.js [iterations=15] [megabytes=1024]   (iterations 0: throughput only)
 * Only touches containers, links and rules it creates, under a temporary berth root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';
import { removeNetwork } from '../src/network/index.js';

process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));

const iterations = Number(process.argv[2] ?? 15);
const megabytes = Number(process.argv[3] ?? 1024);
if (process.getuid?.() !== 0) {
  console.error('bench/network needs root');
  process.exit(1);
}
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-netbench-'));
const berth = (args: string[]) => spawnSync(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
function ok(args: string[]): string {
  const r = berth(args);
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(args: string[]): { ms: number; out: string } {
  const t0 = process.hrtime.bigint();
  const out = ok(args);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
}

/** TCP sink + source in node: the receiver prints MB/s (and writes it to RESULT, when given). */
const SERVER = `const n=require('net');let b=0,t0;const s=n.createServer(c=>{c.on('data',d=>{if(!t0)t0=process.hrtime.bigint();b+=d.length});c.on('end',()=>{const sec=Number(process.hrtime.bigint()-t0)/1e9;const r=JSON.stringify({mbps:b/1048576/sec});console.log(r);if('RESULT')require('fs').writeFileSync('RESULT',r);s.close()})});s.listen(PORT,'0.0.0.0',()=>console.log('ready'));`;
/** The sender: starts once GO exists (when given). */
const CLIENT = `const n=require('net');const buf=Buffer.alloc(1<<20);let left=MB;const go=()=>{const c=n.connect(PORT,'HOST',()=>{const w=()=>{while(left>0){left--;if(!c.write(buf))return c.once('drain',w)}c.end()};w()});c.on('error',()=>setTimeout(go,50))};const wait=()=>!'GO'||require('fs').existsSync('GO')?go():setTimeout(wait,5);wait();`;
const script = (s: string, host: string, port: number, files: { go?: string; result?: string } = {}) =>
  s.replace('PORT', String(port)).replace('HOST', host).replace('MB', String(megabytes)).replaceAll('RESULT', files.result ?? '').replaceAll('GO', files.go ?? '');

function nodeMounts(): string[] {
  const node = fs.realpathSync(process.execPath);
  const vols = [`${path.dirname(node)}:/hostbin:ro`, '/usr/lib:/usr/lib:ro', '/usr/lib:/lib:ro', ...(fs.existsSync('/lib64') ? ['/lib64:/lib64:ro'] : [])];
  return [...vols.flatMap((v) => ['-v', v]), 'busybox', `/hostbin/${path.basename(node)}`];
}

async function hostLoopback(port: number): Promise<number> {
  const srv = spawn(process.execPath, ['-e', script(SERVER, '127.0.0.1', port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Listen for both exits up front: the server may end before the client's exit is seen.
  const srvExit = new Promise((r) => srv.on('exit', r));
  let out = '';
  await new Promise<void>((r) => srv.stdout.on('data', (d: Buffer) => ((out += d), out.includes('ready') && r())));
  const cli = spawn(process.execPath, ['-e', script(CLIENT, '127.0.0.1', port)], { stdio: 'inherit' });
  await new Promise((r) => cli.on('exit', r));
  await srvExit;
  return JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!).mbps as number;
}

async function containerToContainer(port: number): Promise<number> {
  const sig = fs.mkdtempSync(path.join(root, 'sig-'));
  const files = { go: '/sig/go', result: '/sig/result' };
  const mounts = ['-v', `${sig}:/sig`, ...nodeMounts()];
  ok(['run', '-d', '--name', 'tsrv', '--network', 'bridge', ...mounts, '-e', script(SERVER, '', port, files)]);
  const ip = ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'tsrv']);
  ok(['run', '-d', '--name', 'tcli', '--network', 'bridge', ...mounts, '-e', script(CLIENT, ip, port, files)]);
  // Every berth CLI has ended: now the transfer runs alone, as the loopback one does.
  fs.writeFileSync(path.join(sig, 'go'), '');
  const result = path.join(sig, 'result');
  while (!fs.existsSync(result) || !fs.readFileSync(result, 'utf8')) await new Promise((r) => setTimeout(r, 20));
  const line = fs.readFileSync(result, 'utf8');
  ok(['rm', '-f', 'tsrv', 'tcli']);
  fs.rmSync(sig, { recursive: true, force: true });
  return JSON.parse(line).mbps as number;
}

function startTimes(): void {
  // Warm-up: the bridge and firewall chains exist before the timed runs (as for any but the first container).
  for (const m of ['none', 'bridge']) ok(['rm', '-f', ok(['run', '-d', '--network', m, 'busybox', 'sleep', '1000'])]);
  const t: Record<string, number[]> = { none: [], bridge: [], rmNone: [], rmBridge: [] };
  for (let i = 0; i < iterations; i++) {
    for (const m of ['none', 'bridge'] as const) {
      const r = timed(['run', '-d', '--network', m, 'busybox', 'sleep', '1000']);
      t[m].push(r.ms);
      ok(['rm', '-f', r.out]);
      t[m === 'none' ? 'rmNone' : 'rmBridge'].push(timed(['run', '--rm', '--network', m, 'busybox', 'true']).ms);
      // In-process phase times (BERTH_TIMING): without node's own start-up noise.
      const rt = spawnSync(process.execPath, [berthBin, '--root', root, 'run', '--rm', '--network', m, 'busybox', 'true'], { encoding: 'utf8', env: { ...process.env, BERTH_TIMING: '1' } });
      const at = (what: string) => Number(new RegExp(`berth: ${what} at ([\\d.]+) ms`).exec(rt.stderr)?.[1]);
      t[`started-${m}`] = [...(t[`started-${m}`] ?? []), at('started')];
      t[`teardown-${m}`] = [...(t[`teardown-${m}`] ?? []), at('removed') - at('exited')];
    }
  }
  const [n, b] = [median(t.none), median(t.bridge)];
  console.log(`berth run -d, --network none: median ${n.toFixed(1)} ms; --network bridge: median ${b.toFixed(1)} ms (${iterations} each, interleaved)`);
  console.log(`extra start time of a bridged container: ${(b - n).toFixed(1)} ms (target <= 10 ms); ratio bridge/none ${(b / n).toFixed(2)}x`);
  const [rn, rb] = [median(t.rmNone), median(t.rmBridge)];
  console.log(`berth run --rm busybox true, none: ${rn.toFixed(1)} ms; bridge: ${rb.toFixed(1)} ms; extra ${(rb - rn).toFixed(1)} ms (start + teardown)`);
  const [sn, sb] = [median(t['started-none']), median(t['started-bridge'])];
  const [tn, tb] = [median(t['teardown-none']), median(t['teardown-bridge'])];
  console.log(`in-process (BERTH_TIMING) run begins -> started: none ${sn.toFixed(1)} ms, bridge ${sb.toFixed(1)} ms, extra ${(sb - sn).toFixed(1)} ms (target <= 10 ms); ratio ${(sb / sn).toFixed(2)}x`);
  console.log(`in-process exited -> removed (rm of the container): none ${tn.toFixed(1)} ms, bridge ${tb.toFixed(1)} ms, extra ${(tb - tn).toFixed(1)} ms`);
}

/** The same interleaved run -d timing as users run it: bin/berth through a (private) accelerator. */
async function warmStartTimes(): Promise<void> {
  const sock = path.join(root, 'accel.sock');
  const env = { ...process.env, BERTH_ACCEL_SOCK: sock };
  const worker = spawn(process.execPath, [berthBin, '--accel-worker'], { stdio: 'ignore', env });
  try {
    for (let i = 0; i < 200 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
    const launcher = path.join(path.dirname(berthBin), 'berth');
    const t: Record<'none' | 'bridge', number[]> = { none: [], bridge: [] };
    for (let i = -1; i < iterations; i++) {
      for (const m of ['none', 'bridge'] as const) {
        const t0 = process.hrtime.bigint();
        const r = spawnSync(launcher, ['--root', root, 'run', '-d', '--network', m, 'busybox', 'sleep', '1000'], { encoding: 'utf8', env });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.status !== 0) throw new Error(`bin/berth run: ${r.stderr.trim()}`);
        if (i >= 0) t[m].push(ms); // the first round warms the accelerator up
        ok(['rm', '-f', r.stdout.trim()]);
      }
    }
    const [n, b] = [median(t.none), median(t.bridge)];
    console.log(`bin/berth (accelerator) run -d, --network none: median ${n.toFixed(1)} ms; --network bridge: median ${b.toFixed(1)} ms; extra start time of a bridged container: ${(b - n).toFixed(1)} ms (target <= 10 ms)`);
  } finally {
    worker.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  await createBusyboxImage(root);
  if (iterations > 0) {
    startTimes();
    await warmStartTimes();
  }

  // Interleaved rounds, medians: one round is at the mercy of whatever else the machine runs.
  const los: number[] = [];
  const brs: number[] = [];
  for (let i = 0; i < 5; i++) {
    los.push(await hostLoopback(47111 + 2 * i));
    brs.push(await containerToContainer(47112 + 2 * i));
  }
  const [lo, br] = [median(los), median(brs)];
  console.log(`TCP throughput host loopback: median ${lo.toFixed(0)} MB/s (${los.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`TCP throughput container -> container over the bridge: median ${br.toFixed(0)} MB/s (${brs.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`ratio bridge / loopback: ${(br / lo).toFixed(2)} (target >= 0.8)`);
}

let cleaned: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    const ids = berth(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (ids.length) berth(['rm', '-f', ...ids]);
    await removeNetwork(root, 'bridge', { allowDefault: true }).catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  })();
  return cleaned;
}

try {
  await main();
} finally {
  await cleanup();
}

/**
 * bench/network-release, through the real `berth` CLI: how long a bridged container that
 * ends on its own keeps its address and port rules. The monitor's on_exit starts
 * `berth container cleanup` (a cold CLI in the host's netns); the figure is the wall time
 * from the moment the host tells the container to end (a file in a bind-mounted dir, which the
 * container polls every 10 ms) until its endpoint is gone from the network's state. Baseline,
 * same run, interleaved, measured the same way: from the moment the host starts
 * `berth stop -t 0` on the same kind of container (the user-driven release, CLI start-up
 * included) until its endpoint is gone from the network's state (polled alike, every 2 ms). Medians.
 * Usage (root): node dist/bench/network-release.js [iterations=9]
 * Only touches containers, links and rules it creates, under a temporary berth root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';
import { removeNetwork } from '../src/network/index.js';

const iterations = Number(process.argv[2] ?? 9);
if (process.getuid?.() !== 0) {
  console.error('bench/network-release needs root');
  process.exit(1);
}
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-relbench-'));
const sig = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-relbench-sig-'));
const berth = (args: string[]) => spawnSync(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8' });
function ok(args: string[]): string {
  const r = berth(args);
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bridgeFile = path.join(root, 'networks', 'bridge.json');
const attached = (id: string) => {
  try {
    return id in (JSON.parse(fs.readFileSync(bridgeFile, 'utf8')) as { endpoints: Record<string, unknown> }).endpoints;
  } catch {
    return true; // being replaced
  }
};

/** A bridged container with a published port that ends when `<sig>/<name>` appears. */
function start(name: string): string {
  return ok(['run', '-d', '--name', name, '-p', '127.0.0.1::80', '-v', `${sig}:/sig`, 'busybox', 'sh', '-c', `while [ ! -f /sig/${name} ]; do sleep 0.01; done`]);
}

async function onExitRelease(i: number): Promise<number> {
  const name = `self${i}`;
  const id = start(name);
  const t0 = now();
  fs.writeFileSync(path.join(sig, name), '');
  while (attached(id)) await sleep(2);
  const ms = now() - t0;
  // The cleanup CLI may still be finishing (the netns): let it, so it does not overlap the next round.
  while (fs.existsSync(path.join(root, 'netns', id))) await sleep(2);
  await sleep(300);
  ok(['rm', id]);
  return ms;
}

async function stopRelease(i: number): Promise<number> {
  const id = start(`stop${i}`);
  const t0 = now();
  const stop = spawn(process.execPath, [berthBin, '--root', root, 'stop', '-t', '0', id], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  stop.stderr.on('data', (d) => (err += d));
  const code = new Promise<number | null>((r) => stop.on('exit', r));
  let exited = false;
  void code.then(() => (exited = true));
  while (attached(id) && !exited) await sleep(2);
  if (attached(id)) throw new Error(`berth stop -t 0 ended with the endpoint still attached: ${err.trim()}`);
  const ms = now() - t0;
  if ((await code) !== 0) throw new Error(`berth stop -t 0: ${err.trim()}`);
  ok(['rm', id]);
  return ms;
}

async function cleanup(): Promise<void> {
  const ids = berth(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
  if (ids.length) berth(['rm', '-f', ...ids]);
  await removeNetwork(root, 'bridge', { allowDefault: true }).catch(() => undefined);
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(sig, { recursive: true, force: true });
}

try {
  await createBusyboxImage(root);
  ok(['rm', '-f', start('warm')]);
  const self: number[] = [];
  const stop: number[] = [];
  for (let i = 0; i < iterations; i++) {
    self.push(await onExitRelease(i));
    stop.push(await stopRelease(i));
  }
  const a = median(self);
  const b = median(stop);
  console.log(`network released after the container ended on its own (on_exit cleanup): median ${a.toFixed(0)} ms over ${iterations}`);
  console.log(`baseline, berth stop -t 0 (from its spawn until the endpoint is gone): median ${b.toFixed(0)} ms`);
  console.log(`ratio on_exit/stop: ${(a / b).toFixed(2)}x`);
} finally {
  await cleanup();
}

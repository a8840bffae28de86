import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { requiresRoot } from '../helpers.js';
import { containerRatePlan, egressLimitCommands, clearLimitCommands } from '../../src/network/rate/index.js';
import { runTcCommands } from '../../src/sys/runTc.js';

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** Two namespaces joined by a veth pair; both removed after the test (that removes the veths too). */
function twoNamespaces(t: test.TestContext) {
  const id = crypto.randomBytes(3).toString('hex');
  const a = `berth-test-nr-${id}-a`;
  const b = `berth-test-nr-${id}-b`;
  const [va, vb] = [`bnr${id}a`, `bnr${id}b`];
  t.after(() => {
    for (const ns of [a, b]) spawnSync('ip', ['netns', 'del', ns]);
  });
  ip('netns', 'add', a);
  ip('netns', 'add', b);
  ip('-n', a, 'link', 'add', va, 'type', 'veth', 'peer', 'name', vb, 'netns', b);
  ip('-n', a, 'addr', 'add', '10.251.77.1/30', 'dev', va);
  ip('-n', b, 'addr', 'add', '10.251.77.2/30', 'dev', vb);
  for (const [ns, dev] of [[a, va], [b, vb], [a, 'lo'], [b, 'lo']]) ip('-n', ns, 'link', 'set', dev, 'up');
  return { a, b, va, vb, addrA: '10.251.77.1', addrB: '10.251.77.2' };
}

const RECEIVER = `
const net = require('net');
const srv = net.createServer((s) => {
  let bytes = 0, first = 0;
  s.on('data', (d) => { if (!first) first = Date.now(); bytes += d.length; });
  s.on('end', () => { console.log(JSON.stringify({ bytes, ms: Date.now() - first })); srv.close(); });
});
srv.listen(5201, process.argv[1], () => console.log('listening'));
`;
const SENDER = `
const s = require('net').connect(5201, process.argv[1], () => {
  let left = Number(process.argv[2]);
  const chunk = Buffer.alloc(16384, 7);
  const pump = () => { while (left > 0) { left -= chunk.length; if (!s.write(chunk)) return s.once('drain', pump); } s.end(); };
  pump();
});
`;

/** Bits per second seen by a receiver in `to` for `bytes` sent from `from`. */
async function measure(from: string, to: string, toAddr: string, bytes: number): Promise<number> {
  const rx = spawn('ip', ['netns', 'exec', to, process.execPath, '-e', RECEIVER, toAddr], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  rx.stdout.on('data', (d) => (out += d));
  try {
    await new Promise<void>((resolve, reject) => {
      rx.stdout.on('data', () => out.includes('listening') && resolve());
      rx.on('exit', () => reject(new Error('receiver exited early')));
    });
    const tx = spawnSync('ip', ['netns', 'exec', from, process.execPath, '-e', SENDER, toAddr, String(bytes)], { encoding: 'utf8' });
    assert.equal(tx.status, 0, tx.stderr);
    await new Promise((resolve) => rx.on('close', resolve));
  } finally {
    if (rx.exitCode === null && rx.pid !== undefined) process.kill(rx.pid, 'SIGKILL');
  }
  const r = JSON.parse(out.split('\n').find((l) => l.startsWith('{')) as string) as { bytes: number; ms: number };
  assert.equal(r.bytes >= bytes, true, `received ${r.bytes} of ${bytes}`);
  return (r.bytes * 8) / (r.ms / 1000);
}

test('netrate: a 1 mbit/s egress limit gives a transfer rate within 50% of it', requiresRoot, async (t) => {
  const n = twoNamespaces(t);
  runTcCommands(egressLimitCommands(n.va, '1mbit', n.a));
  const rate = await measure(n.a, n.b, n.addrB, 400_000); // ~3.2 s at 1 mbit/s
  t.diagnostic(`egress 1mbit: measured ${(rate / 1e6).toFixed(3)} mbit/s`);
  assert.ok(rate >= 0.5e6 && rate <= 1.5e6, `measured ${(rate / 1e6).toFixed(3)} mbit/s`);

  runTcCommands(clearLimitCommands(n.va, n.a));
  runTcCommands(clearLimitCommands(n.va, n.a), { tolerateMissing: true });
  const free = await measure(n.a, n.b, n.addrB, 4_000_000);
  t.diagnostic(`unlimited: ${(free / 1e6).toFixed(1)} mbit/s`);
  assert.ok(free > 3e6, `without the limit ${(free / 1e6).toFixed(1)} mbit/s`);
});

test('netrate: container plan shapes what the container sends (its end, by netns path) and receives (host end)', requiresRoot, async (t) => {
  // Namespace a plays the host, b the container (veth vb is its eth0, its netns given by path).
  const n = twoNamespaces(t);
  const plan = containerRatePlan({ hostVeth: n.va, containerVeth: n.vb, containerNetns: `/run/netns/${n.b}`, egress: '1mbit', ingress: '2mbit' });
  // The host end lives in namespace a here; on a real host it has no -n.
  runTcCommands(plan.map((c) => (c[0] === 'tc' ? ['tc', '-n', n.a, ...c.slice(1)] : c)));
  const received = await measure(n.a, n.b, n.addrB, 800_000);
  const sent = await measure(n.b, n.a, n.addrA, 400_000);
  t.diagnostic(`container ingress 2mbit: measured ${(received / 1e6).toFixed(3)} mbit/s; egress 1mbit: ${(sent / 1e6).toFixed(3)} mbit/s`);
  assert.ok(received >= 1e6 && received <= 3e6, `ingress measured ${(received / 1e6).toFixed(3)} mbit/s`);
  assert.ok(sent >= 0.5e6 && sent <= 1.5e6, `egress measured ${(sent / 1e6).toFixed(3)} mbit/s`);
});

test('netrate: tc errors are one-line FailedPrecondition', requiresRoot, () => {
  assert.throws(() => runTcCommands(egressLimitCommands('bnrnosuchdev', '1mbit')), (e: unknown) => (e as { kind?: string }).kind === 'FailedPrecondition' && !(e as Error).message.includes('\n'));
});

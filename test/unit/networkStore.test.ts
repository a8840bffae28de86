import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NetworkStore } from '../../src/network/NetworkStore.js';
import { isBerthError } from '../../src/errors.js';
import { tmpDir } from '../helpers.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'networkIpamWorker.js');

function runWorker(root: string, id: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [worker, root, id], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`worker ${id} exited ${code}`))));
  });
}

test('store: create, find by name / id prefix, reserved and duplicate names, overlaps', async (t) => {
  const root = tmpDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new NetworkStore(root);
  const a = await store.locked(() => {
    const n = store.plan({ name: 'front', subnet: '10.213.7.0/24' });
    store.save(n);
    return n;
  });
  assert.equal(a.gateway, '10.213.7.1');
  assert.match(a.bridge, /^berth[0-9a-f]{10}$/);
  assert.ok(a.bridge.length <= 15);
  assert.equal(store.get('front').id, a.id);
  assert.equal(store.get(a.id.slice(0, 6)).name, 'front');
  assert.throws(() => store.get('nope'), (e: unknown) => isBerthError(e, 'NotFound') && /network nope not found/.test((e as Error).message));
  assert.throws(() => store.plan({ name: 'front' }), (e: unknown) => isBerthError(e, 'AlreadyExists'));
  assert.throws(() => store.plan({ name: 'host' }), (e: unknown) => isBerthError(e, 'InvalidArgument'));
  assert.throws(() => store.plan({ name: 'bad name' }), /invalid network name/);
  assert.throws(() => store.plan({ name: 'b', subnet: '10.213.0.0/16' }), (e: unknown) => isBerthError(e, 'Conflict') && /overlaps with network front/.test((e as Error).message));
  assert.throws(() => store.plan({ name: 'b', subnet: '10.213.8.0/24', gateway: '10.213.9.1' }), /invalid gateway/);
  const g = store.plan({ name: 'b', subnet: '10.213.8.0/24', gateway: '10.213.8.254', internal: true });
  assert.equal(g.gateway, '10.213.8.254');
  assert.equal(g.internal, true);
  // No --subnet: a /24 from the pool that overlaps nothing.
  const auto = store.plan({ name: 'c' });
  assert.match(auto.subnet, /^10\.130\.\d+\.0\/24$/);
  const dflt = store.plan({ name: 'bridge' }, true);
  // berth0 belongs to /var/lib/berth; any other root gets its own bridge and a /20 of 10.192.0.0/10.
  assert.match(dflt.bridge, /^berthd[0-9a-f]{9}$/);
  assert.match(dflt.subnet, /^10\.(19[2-9]|2[0-5]\d)\.\d+\.0\/20$/);
  assert.equal(dflt.isDefault, true);
});

test('store: a host route collision is refused', async (t) => {
  const root = tmpDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const route = fs.readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find((f) => f.length > 7 && f[1] !== '00000000' && !f[0].startsWith('berth'));
  if (!route) return t.skip('no non-default host route');
  const n = parseInt(route[1], 16);
  const dest = [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
  const mask = parseInt(route[7], 16).toString(2).replace(/0/g, '').length;
  const store = new NetworkStore(root);
  assert.throws(() => store.plan({ name: 'x', subnet: `${dest}/${mask}` }), /overlaps with host route/);
});

test('IPAM: 20 concurrent processes get 20 distinct addresses', async (t) => {
  const root = tmpDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new NetworkStore(root);
  await store.locked(() => store.save(store.plan({ name: 'n', subnet: '10.213.9.0/24' })));
  const ips = await Promise.all(Array.from({ length: 20 }, (_, i) => runWorker(root, `c${i}`)));
  assert.equal(new Set(ips).size, 20, ips.join(' '));
  assert.equal(Object.keys(store.get('n').endpoints).length, 20);
  assert.ok(!fs.existsSync(path.join(store.dir, '.lock')), 'lock released');
});

test('lock: a stale lock of a dead process is broken', async (t) => {
  const root = tmpDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new NetworkStore(root);
  fs.mkdirSync(store.dir, { recursive: true });
  // A pid that cannot be alive (above pid_max's usual range).
  fs.writeFileSync(path.join(store.dir, '.lock'), '4194999\n');
  assert.equal(await store.locked(() => 42), 42);
});

test('lock: callers in one process queue instead of deadlocking', async (t) => {
  const root = tmpDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = new NetworkStore(root);
  const order: number[] = [];
  await Promise.all([1, 2, 3].map((i) => store.locked(async () => {
    order.push(i);
    await new Promise((r) => setImmediate(r));
    order.push(-i);
  })));
  assert.deepEqual(order, [1, -1, 2, -2, 3, -3]);
});

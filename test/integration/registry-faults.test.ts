import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkStore } from '../../src/image/checkStore.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { requiresRoot, tmpDir, until } from '../helpers.js';
import { createDataImage } from '../imageHelpers.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../faultProxy.js';
import { berthAsync, hasRegistry, startRegistry } from '../registryHarness.js';

const needs = hasRegistry ? requiresRoot : { skip: 'needs Debian docker-registry' };
const MiB = 1 << 20;

/**
 * Through a fault proxy between berth and a real docker-registry: every pull either ends with
 * the verified image or fails with one line, exit 1; the store is consistent afterwards; a
 * resumed blob costs only its missing bytes (the proxy counts what it sent).
 */
test('pull through a fault proxy: dropped, flipped, Range ignored, 500, 429 + Retry-After, stalled, SIGKILL', needs, async (t) => {
  const dir = tmpDir('berth-faults-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'config');
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const proxy: FaultProxy = await startFaultProxy(reg.host);
  t.after(() => proxy.close());

  const src = path.join(dir, 'src');
  const id = await createDataImage(src, `${reg.host}/f/app:1`, 8 * MiB);
  const push = await berthAsync(src, cfg, ['push', '-q', `${reg.host}/f/app:1`]);
  assert.equal(push.status, 0, push.stderr);
  const layer = ImageStore.open(src).resolve(id).manifest.layers[0];
  const size = layer.size;
  const ref = `${proxy.host}/f/app:1`;
  let n = 0;
  /** Pull `ref` into a fresh root with `faults` applied to the layer blob's requests (by their index). */
  const pull = async (faults: (i: number) => Fault | undefined, env: Record<string, string> = {}) => {
    const root = path.join(dir, `r${n++}`);
    const before = proxy.requestsFor(layer.digest).length;
    proxy.rule = ({ url, n: i }) => (url.includes(`/blobs/${layer.digest}`) ? faults(i - before) : undefined);
    const r = await berthAsync(root, cfg, ['pull', ref], { env });
    const reqs = proxy.requestsFor(layer.digest).slice(before);
    return { root, r, reqs, bytes: reqs.reduce((a, q) => a + q.bytes, 0) };
  };
  const pulled = async (root: string, r: { status: number | null; stderr: string }) => {
    assert.equal(r.status, 0, r.stderr);
    const store = ImageStore.open(root);
    assert.equal(store.resolve(ref).id, id);
    assert.deepEqual(await checkStore(store), []);
    assert.deepEqual(fs.readdirSync(store.content.ingestDir), [], 'ingest/ is empty after a pull that succeeded');
  };
  const failed = async (root: string, r: { status: number | null; stderr: string }, re: RegExp) => {
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `one line: ${r.stderr}`);
    const store = ImageStore.open(root);
    assert.deepEqual(store.list(), [], 'no image after a failed pull');
    assert.deepEqual(await checkStore(store), []);
  };

  await t.test('dropped mid-blob: resumed with Range, only the missing bytes fetched', async () => {
    const { root, r, reqs, bytes } = await pull((i) => (i === 0 ? { kind: 'drop', after: 3 * MiB } : undefined));
    await pulled(root, r);
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].bytes, 3 * MiB);
    assert.equal(reqs[1].range, `bytes=${3 * MiB}-`);
    assert.equal(reqs[1].status, 206);
    assert.equal(bytes, size, 'every byte of the blob sent once');
  });

  await t.test('a registry that ignores Range: the known prefix is skipped, the blob is right', async () => {
    const { root, r, reqs, bytes } = await pull((i) => (i === 0 ? { kind: 'drop', after: 3 * MiB } : { kind: 'ignoreRange' }));
    await pulled(root, r);
    assert.equal(reqs[1].status, 200);
    assert.equal(bytes, 3 * MiB + size);
  });

  await t.test('a flipped byte: refused, one line, nothing stored, no partial kept', async () => {
    const { root, r } = await pull(() => ({ kind: 'flip', at: 5 * MiB }));
    await failed(root, r, /^berth: (filesystem layer verification failed for digest sha256:[0-9a-f]{64}|layer 0 \(sha256:[0-9a-f]{64}\): corrupt or truncated compressed data .*)\n$/);
    assert.deepEqual(fs.readdirSync(ImageStore.open(root).content.ingestDir), []);
  });

  await t.test('500 twice, then the blob', async () => {
    const { root, r, reqs, bytes } = await pull((i) => (i < 2 ? { kind: 'status', status: 500 } : undefined));
    await pulled(root, r);
    assert.deepEqual(reqs.map((q) => q.status), [500, 500, 200]);
    assert.equal(bytes, size);
  });

  await t.test('429 with Retry-After: 1 is honoured', async () => {
    const { root, r, reqs } = await pull((i) => (i === 0 ? { kind: 'status', status: 429, retryAfter: '1' } : undefined));
    await pulled(root, r);
    assert.deepEqual(reqs.map((q) => q.status), [429, 200]);
    assert.ok(reqs[1].at - reqs[0].at >= 950, `waited ${reqs[1].at - reqs[0].at} ms, Retry-After says 1 s`);
  });

  await t.test('500 every time: gives up with one line', async () => {
    const { root, r, reqs } = await pull(() => ({ kind: 'status', status: 500 }));
    await failed(root, r, /^berth: GET blob sha256:[0-9a-f]{64}: unknown: fault proxy: 500 \(gave up after 5 attempts, 0 of \d+ bytes received\)\n$/);
    assert.equal(reqs.length, 5);
  });

  await t.test('stalled once: the idle timeout gives up on it and the pull resumes', async () => {
    const { root, r, reqs } = await pull((i) => (i === 0 ? { kind: 'stall', after: 2 * MiB } : undefined), { BERTH_REGISTRY_IDLE_TIMEOUT_MS: '2000' });
    await pulled(root, r);
    assert.equal(reqs[1].range, `bytes=${2 * MiB}-`);
    // On a loaded machine a later request may time out too; each resumes past what it had, never
    // from the start again (the proxy's byte count is what it wrote, not what berth read).
    const starts = reqs.slice(1).map((q) => Number(/^bytes=(\d+)-$/.exec(q.range ?? '')?.[1]));
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i] > starts[i - 1], `resumed at ${starts.join(', ')}`);
  });

  await t.test('stalled for good: fails with one line; the partial blob is kept and the next pull fetches only the rest', async () => {
    const first = await pull((i) => ({ kind: 'stall', after: i === 0 ? 2 * MiB : 0 }), { BERTH_REGISTRY_IDLE_TIMEOUT_MS: '1000' });
    await failed(first.root, first.r, /^berth: GET blob sha256:[0-9a-f]{64}: no data for 1 s \(gave up after 5 attempts, 2097152 of \d+ bytes received\)\n$/);
    const store = ImageStore.open(first.root);
    const partial = path.join(store.content.ingestDir, `partial-${layer.digest.slice(7)}`);
    assert.equal(fs.statSync(partial).size, 2 * MiB);
    proxy.rule = () => undefined;
    const before = proxy.requestsFor(layer.digest).length;
    const again = await berthAsync(first.root, cfg, ['pull', ref]);
    await pulled(first.root, again);
    const reqs = proxy.requestsFor(layer.digest).slice(before);
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0].range, `bytes=${2 * MiB}-`);
    assert.equal(reqs[0].bytes, size - 2 * MiB, 'only the missing bytes');
  });

  await t.test('SIGKILL mid-blob, then pull again: only the missing bytes are fetched', async () => {
    const root = path.join(dir, 'killed');
    const at = 3 * MiB + 12345;
    let killed = false;
    proxy.rule = ({ url }) => (url.includes(`/blobs/${layer.digest}`) && !killed ? { kind: 'stall', after: at } : undefined);
    const before = proxy.requestsFor(layer.digest).length;
    const partial = path.join(root, 'content', 'ingest', `partial-${layer.digest.slice(7)}`);
    let pid = 0;
    const run = berthAsync(root, cfg, ['pull', ref], { onChild: (c) => (pid = c.pid ?? 0) });
    await until(() => fs.existsSync(partial) && fs.statSync(partial).size === at);
    assert.ok(pid > 0);
    process.kill(pid, 'SIGKILL');
    killed = true;
    const k = await run;
    assert.equal(k.status, null, 'killed');
    assert.ok(fs.existsSync(`${partial}.lock`), 'the killed pull left its lock');
    const again = await berthAsync(root, cfg, ['pull', ref]);
    await pulled(root, again);
    const reqs = proxy.requestsFor(layer.digest).slice(before);
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].bytes, at);
    assert.equal(reqs[1].range, `bytes=${at}-`);
    assert.equal(reqs[1].bytes, size - at, 'only the missing bytes after the kill');
  });

  await t.test('the pulled image runs', async () => {
    const r = await berthAsync(path.join(dir, 'r0'), cfg, ['run', '--rm', '--network', 'none', ref, 'sh', '-c', 'wc -c < /data.bin']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), String(8 * MiB));
  });
});

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkStore } from '../../src/image/checkStore.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { loadArchive } from '../../src/image/loadArchive.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { dockerArchive, layerTar, newEntry } from '../imageHelpers.js';
import { startFaultProxy, type ProxyRequest } from '../faultProxy.js';
import { berthAsync, hasRegistry, startRegistry } from '../registryHarness.js';

const needs = hasRegistry ? requiresRoot : { skip: 'needs Debian docker-registry' };
const MiB = 1 << 20;

/** The Content-Range values must tile 0..size-1 (once each, in order) for the upload to be whole. */
function assertTiles(patches: ProxyRequest[], size: number): void {
  let next = 0;
  for (const p of patches) {
    const [a, b] = p.contentRange!.split('-').map(Number);
    assert.equal(a, next, `chunk ${p.contentRange} starts where the registry left off`);
    assert.equal(p.sent, b - a + 1, 'the chunk carries what its Content-Range says');
    next = b + 1;
  }
  assert.equal(next, size);
}

test('push with chunked PATCH (BERTH_PUSH_CHUNK_SIZE): chunks tile the blob, OCI-Chunk-Min-Length raises them, a short Range reply, a 500 and a 416 mid-upload are honoured (upload status, resend), the pull gives the same image', needs, async (t) => {
  const dir = tmpDir('berth-chunked-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'config');
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const proxy = await startFaultProxy(reg.host);
  t.after(() => proxy.close());
  const src = path.join(dir, 'src');
  const layer = layerTar([[newEntry({ name: 'data.bin', type: 'file' }), crypto.randomBytes(5 * MiB + 12345)]]);
  async function* once(b: Buffer) {
    yield b;
  }
  const repo = `${proxy.host}/chunk/app`;
  await loadArchive(ImageStore.open(src), once(dockerArchive([layer], { tag: `${repo}:1` })));
  const store = ImageStore.open(src);
  const local = store.resolve(`${repo}:1`);
  const blob = local.manifest.layers[0];
  assert.ok(blob.size > 5 * MiB);
  const env = { BERTH_PUSH_CHUNK_SIZE: '1m' };

  const push = async (tag: string) => {
    fs.rmSync(path.join(src, 'distribution'), { recursive: true, force: true }); // no mount hints: every repository is uploaded to
    assert.equal((await berthAsync(src, cfg, ['tag', `${repo}:1`, `${proxy.host}/${tag}`])).status, 0);
    const from = proxy.requests.length;
    const p = await berthAsync(src, cfg, ['push', `${proxy.host}/${tag}`], { env });
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /: Pushed\n/);
    const reqs = proxy.requests.slice(from);
    return { reqs, patches: reqs.filter((r) => r.method === 'PATCH') };
  };
  const pullBack = async (tag: string) => {
    const r = path.join(dir, `pull-${tag.replace(/[/:]/g, '-')}`);
    const p = await berthAsync(r, cfg, ['pull', '-q', `${reg.host}/${tag}`]);
    assert.equal(p.status, 0, p.stderr);
    const got = ImageStore.open(r).resolve(`${reg.host}/${tag}`);
    assert.equal(got.id, local.id);
    assert.equal(got.manifest.layers[0].digest, blob.digest);
    assert.deepEqual(await checkStore(ImageStore.open(r)), []);
  };

  // 1 MiB chunks: the layer in ceil(size / 1 MiB) PATCHes, the small config in one PUT
  const plain = await push('a/one:1');
  assert.equal(plain.patches.length, Math.ceil(blob.size / MiB));
  assertTiles(plain.patches, blob.size);
  assert.ok(plain.patches.every((p) => p.status === 202));
  await pullBack('a/one:1');

  // the registry asks for chunks of at least 2 MiB (OCI-Chunk-Min-Length on the POST reply)
  proxy.rule = ({ method }) => (method === 'POST' ? { kind: 'headers', headers: { 'oci-chunk-min-length': String(2 * MiB) } } : undefined);
  const min = await push('a/min:1');
  assert.equal(min.patches.length, Math.ceil(blob.size / (2 * MiB)));
  assertTiles(min.patches, blob.size);
  await pullBack('a/min:1');

  // the registry keeps only 512 KiB of the first chunk (its Range says so): the next chunk
  // starts there; the third PATCH is answered 500 and the fifth 416: each time berth asks the
  // upload's status (GET) and sends that chunk again
  let patches = 0;
  proxy.rule = ({ method }) => {
    if (method !== 'PATCH') return undefined;
    const n = patches++;
    return n === 0 ? { kind: 'truncateBody', keep: MiB / 2 } : n === 2 ? { kind: 'status', status: 500 } : n === 4 ? { kind: 'status', status: 416 } : undefined;
  };
  const odd = await push('a/odd:1');
  const ps = odd.patches;
  assert.equal(ps[0].contentRange, `0-${MiB - 1}`);
  assert.equal(ps[1].contentRange, `${MiB / 2}-${MiB / 2 + MiB - 1}`, 'the chunk after a short Range starts where the Range ended');
  assert.equal(ps[2].status, 500);
  assert.equal(ps[3].contentRange, ps[2].contentRange, 'the chunk answered 500 is sent again');
  assert.equal(ps[4].status, 416);
  assert.equal(ps[5].contentRange, ps[4].contentRange, 'the chunk answered 416 is sent again');
  assert.equal(odd.reqs.filter((r) => r.method === 'GET' && r.url.includes('/blobs/uploads/')).length, 2, 'upload status asked after each failure');
  assertTiles([{ ...ps[0], contentRange: `0-${MiB / 2 - 1}`, sent: MiB / 2 }, ...ps.slice(1).filter((p) => p.status === 202)], blob.size);
  await pullBack('a/odd:1');

  // a bad chunk size is one line
  const bad = await berthAsync(src, cfg, ['push', `${repo}:1`], { env: { BERTH_PUSH_CHUNK_SIZE: 'lots' } });
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'berth: BERTH_PUSH_CHUNK_SIZE="lots": not a size in bytes\n');
});

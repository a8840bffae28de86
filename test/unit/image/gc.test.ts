import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { diskUsage } from '../../../src/image/diskUsage.js';
import { collectGarbage } from '../../../src/image/gc.js';
import { ImageStore } from '../../../src/image/ImageStore.js';
import { loadArchive } from '../../../src/image/loadArchive.js';
import { tmpDir } from '../../helpers.js';
import { dockerArchive, layerTar, newEntry } from '../../imageHelpers.js';

const layer = (name: string, size: number) => layerTar([[newEntry({ name, type: 'file', mode: 0o644 }), Buffer.alloc(size, 1)]]);

test('system df counts a shared layer once and splits shared/unique', async (t) => {
  const root = tmpDir('berth-df-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = ImageStore.open(root);
  const base = layer('base', 100000);
  await loadArchive(store, Readable.from([dockerArchive([base, layer('a', 1000)], { tag: 'a:1' })]));
  await loadArchive(store, Readable.from([dockerArchive([base, layer('b', 2000)], { tag: 'b:1' })]));
  assert.equal(store.layers.list().length, 3);
  const du = diskUsage(store);
  assert.equal(du.images.total, 2);
  assert.equal(du.images.size, 103000);
  const a = du.images.items.find((i) => i.image.tags[0] === 'a:1')!;
  assert.deepEqual([a.image.size, a.shared, a.unique], [101000, 100000, 1000]);
  assert.equal(du.images.reclaimable, 103000);
});

test('GC waits for writers holding a lease and keeps what they added', async (t) => {
  const root = tmpDir('berth-gc-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = ImageStore.open(root);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let gcDone = false;
  let gcStarted!: Promise<unknown>;
  const writer = store.lease(async () => {
    // content not referenced yet: a GC now would delete it
    const blob = store.content.putBuffer(Buffer.from('{"half":"written"}'));
    gcStarted = collectGarbage(store).then((r) => {
      gcDone = true;
      return r;
    });
    await gate;
    assert.equal(gcDone, false, 'GC ran while a lease was held');
    assert.ok(store.content.has(blob.digest));
    return blob;
  });
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  release();
  const blob = await writer;
  await gcStarted;
  assert.equal(gcDone, true);
  // once the writer is gone, unreferenced content is collected
  assert.equal(store.content.has(blob.digest), false);
});

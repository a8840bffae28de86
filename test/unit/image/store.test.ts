import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { isBerthError } from '../../../src/errors.js';
import { checkStore } from '../../../src/image/checkStore.js';
import { collectGarbage } from '../../../src/image/gc.js';
import { importImage } from '../../../src/image/importImage.js';
import { ImageStore } from '../../../src/image/ImageStore.js';
import { loadArchive } from '../../../src/image/loadArchive.js';
import { pruneImages } from '../../../src/image/pruneImages.js';
import { removeImages } from '../../../src/image/removeImages.js';
import { saveArchive, saveItems } from '../../../src/image/saveArchive.js';
import { busyboxTar, createBusyboxImage } from '../../imageHelpers.js';
import { tmpDir, treeSnapshot } from '../../helpers.js';

function root(t: { after: (fn: () => void) => void }): string {
  const d = tmpDir('berth-store-');
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const snapshot = (dir: string) => treeSnapshot(dir);

async function saveToBuffer(store: ImageStore, refs: string[], format: 'docker' | 'oci'): Promise<Buffer> {
  const pt = new PassThrough();
  const chunks: Buffer[] = [];
  pt.on('data', (c: Buffer) => chunks.push(c));
  await saveArchive(store, saveItems(store, refs), pt, format);
  return Buffer.concat(chunks);
}

test('import: busybox becomes an image with the right diff_id, tag and config', async (t) => {
  const r = root(t);
  const id = await createBusyboxImage(r, 'busybox:latest', ['CMD ["sh"]', 'ENV A=1', 'EXPOSE 80', 'WORKDIR /root', 'LABEL x=y']);
  const store = ImageStore.open(r);
  const img = store.resolve('busybox');
  assert.equal(img.id, id);
  assert.deepEqual(img.tags, ['busybox:latest']);
  const want: `sha256:${string}` = `sha256:${execFileSync('sha256sum', [busyboxTar()], { encoding: 'utf8' }).split(' ')[0]}`;
  assert.deepEqual(img.config.rootfs.diff_ids, [want]);
  assert.deepEqual(img.config.config, { Cmd: ['sh'], Env: ['A=1'], ExposedPorts: { '80/tcp': {} }, WorkingDir: '/root', Labels: { x: 'y' } });
  assert.ok(fs.existsSync(path.join(store.layers.diffDir(want), 'bin', 'busybox')));
  assert.equal(store.resolve(id.slice(7, 19)).id, id);
  assert.equal(store.resolve(id).id, id);
  assert.equal(store.resolve('docker.io/library/busybox:latest').id, id);
  assert.equal(store.resolve(`busybox@${img.manifestDigests[0]}`).id, id);
  assert.throws(() => store.resolve('nope'), (e) => isBerthError(e, 'NotFound'));
  assert.deepEqual(await checkStore(store), []);
});

test('layers are shared: two images of the same tar extract it once', async (t) => {
  const r = root(t);
  const a = await createBusyboxImage(r, 'a:1', ['CMD ["a"]']);
  const b = await createBusyboxImage(r, 'b:1', ['CMD ["b"]']);
  assert.notEqual(a, b);
  const store = ImageStore.open(r);
  assert.equal(store.layers.list().length, 1);
});

test('tag, untag, dangling images and rmi', async (t) => {
  const r = root(t);
  const store = ImageStore.open(r);
  const id = await createBusyboxImage(r, 'busybox:latest');
  store.tag('busybox', 'me/app:v1');
  assert.deepEqual(store.resolve('me/app:v1').tags.sort(), ['busybox:latest', 'me/app:v1']);
  let res = await removeImages(store, ['me/app:v1']);
  assert.deepEqual(res.lines, ['Untagged: me/app:v1']);
  // a tag moved to another image leaves the old one dangling
  const id2 = await createBusyboxImage(r, 'busybox:latest', ['CMD ["other"]']);
  assert.notEqual(id2, id);
  assert.deepEqual(store.resolve(id).tags, []);
  assert.equal(store.list().length, 2);
  // in use by a container: refused without -f
  fs.mkdirSync(path.join(r, 'containers', 'c'.repeat(64)), { recursive: true });
  fs.writeFileSync(path.join(r, 'containers', 'c'.repeat(64), 'container.json'), JSON.stringify({ Id: 'c'.repeat(64), Name: 'web', Image: id2 }));
  res = await removeImages(store, ['busybox']);
  assert.equal(res.errors.length, 1);
  assert.match(res.errors[0], /container cccccccccccc is using/);
  // prune -a keeps what the container uses, removes the dangling one
  const p = await pruneImages(store, { all: true });
  assert.deepEqual(p.ImagesDeleted, [{ Deleted: id }]);
  assert.equal(store.resolve('busybox').id, id2);
  // -f untags but keeps the image for its container
  res = await removeImages(store, ['busybox'], { force: true });
  assert.deepEqual(res.lines, ['Untagged: busybox:latest']);
  assert.equal(store.resolve(id2).id, id2);
  assert.deepEqual(await checkStore(store), []);
  fs.rmSync(path.join(r, 'containers'), { recursive: true });
  await pruneImages(store, { all: true });
  assert.equal(store.list().length, 0);
  assert.equal(store.content.list().length, 0);
  assert.equal(store.layers.list().length, 0);
});

test('save -> load on a fresh root: same image ID and same files (docker and oci formats)', async (t) => {
  const r1 = root(t);
  const id = await createBusyboxImage(r1, 'busybox:latest');
  const s1 = ImageStore.open(r1);
  for (const format of ['docker', 'oci'] as const) {
    const buf = await saveToBuffer(s1, ['busybox:latest'], format);
    const r2 = root(t);
    const s2 = ImageStore.open(r2);
    const res = await loadArchive(s2, Readable.from([buf]));
    assert.deepEqual(res.images, [{ id, tags: ['busybox:latest'] }]);
    const diff = s2.resolve('busybox').config.rootfs.diff_ids[0];
    assert.deepEqual(snapshot(s2.layers.diffDir(diff)), snapshot(s1.layers.diffDir(diff)));
    if (format === 'oci') assert.deepEqual(s2.resolve('busybox').manifestDigests, s1.resolve('busybox').manifestDigests);
    assert.deepEqual(await checkStore(s2), []);
    // loading the same thing twice is fine and changes nothing
    await loadArchive(s2, Readable.from([buf]));
    assert.equal(s2.list().length, 1);
  }
});

test('bad input leaves the store untouched', async (t) => {
  const r = root(t);
  const store = ImageStore.open(r);
  await createBusyboxImage(r, 'busybox:latest');
  const good = await saveToBuffer(store, ['busybox'], 'oci');
  const goodDocker = await saveToBuffer(store, ['busybox'], 'docker');
  const before = snapshot(r);
  const gz = execFileSync('gzip', ['-c'], { input: good });
  const mutate = (buf: Buffer, from: string, to: string) => Buffer.from(buf.toString('latin1').replace(from, to), 'latin1');
  const cfgHex = store.resolve('busybox').id.slice(7);
  const cases: [string, Buffer][] = [
    ['not a tar', Buffer.from('hello world, definitely not a tar archive\n'.repeat(30))],
    ['truncated gzip', gz.subarray(0, Math.floor(gz.length / 2))],
    ['truncated tar', good.subarray(0, Math.floor(good.length / 2))],
    ['empty tar', Buffer.alloc(1024)],
    ['manifest pointing at a missing blob', mutate(goodDocker, `${cfgHex}.json`, `${'0'.repeat(64)}.json`)],
    ['wrong digest', mutate(good, `blobs/sha256/${cfgHex}`, `blobs/sha256/${'1'.repeat(64)}`)],
  ];
  for (const [what, buf] of cases) {
    await assert.rejects(loadArchive(store, Readable.from([buf])), (e: unknown) => {
      assert.ok(isBerthError(e), `${what}: ${String(e)}`);
      assert.doesNotMatch((e as Error).message, /\n/);
      return true;
    }, what);
    assert.deepEqual(snapshot(r), before, what);
  }
  await assert.rejects(importImage(store, Readable.from([Buffer.from('not a tar'.repeat(100))])), (e) => isBerthError(e));
  await assert.rejects(importImage(store, Readable.from([gz.subarray(0, 100)])), (e) => isBerthError(e));
  assert.deepEqual(snapshot(r), before);
});

test('a layer whose content does not match its diff_id is refused', async (t) => {
  const r = root(t);
  const store = ImageStore.open(r);
  await createBusyboxImage(r, 'busybox:latest');
  const buf = await saveToBuffer(store, ['busybox'], 'docker');
  const r2 = root(t);
  const s2 = ImageStore.open(r2);
  // flip one byte of file data inside the layer (not in a header): the diff_id check fails
  const i = buf.indexOf(Buffer.from('root:x:0:0:root'));
  assert.ok(i > 0);
  const bad = Buffer.from(buf);
  bad[i] = 'R'.charCodeAt(0);
  await assert.rejects(loadArchive(s2, Readable.from([bad])), (e: unknown) => isBerthError(e) && /does not match diff_id/.test((e as Error).message));
  assert.equal(s2.list().length, 0);
  assert.equal(s2.layers.list().length, 0);
  assert.equal((await collectGarbage(s2)).blobs, 0);
});

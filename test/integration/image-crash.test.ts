import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkStore, leftovers } from '../../src/image/checkStore.js';
import { collectGarbage } from '../../src/image/gc.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { saveArchive, saveItems } from '../../src/image/saveArchive.js';
import { berthBin, requiresRoot, tmpDir } from '../helpers.js';
import { busyboxTar, createBusyboxImage } from '../imageHelpers.js';

async function archive(dir: string): Promise<string> {
  const r = path.join(dir, 'src');
  await createBusyboxImage(r, 'busybox:latest');
  const s = ImageStore.open(r);
  const file = path.join(dir, 'bb.tar');
  await saveArchive(s, saveItems(s, ['busybox']), fs.createWriteStream(file), 'docker');
  return file;
}

test('kill -9 at every step of load and import leaves a consistent store', requiresRoot, async (t) => {
  const dir = tmpDir('berth-crash-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = await archive(dir);
  const points: [string, string[]][] = [
    ['load:staged', ['load', '-i', file]],
    ['load:layers-staged', ['load', '-i', file]],
    ['blob:before-rename', ['load', '-i', file]],
    ['load:before-index', ['load', '-i', file]],
    ['import:before-layer', ['import', busyboxTar(), 'bb:1']],
    ['import:before-index', ['import', busyboxTar(), 'bb:1']],
  ];
  for (const [point, args] of points) {
    const root = path.join(dir, point.replace(/:/g, '-'));
    const r = spawnSync(process.execPath, [berthBin, '--root', root, ...args], { env: { ...process.env, BERTH_CRASH_AT: point }, encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', `${point}: ${r.stderr}`);
    const store = ImageStore.open(root);
    assert.deepEqual(await checkStore(store), [], point);
    assert.equal(store.list().length, 0, `${point}: nothing half-visible`);
    // the store still works, and GC removes what the killed process left
    const again = spawnSync(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(store.list().length, 1);
    await collectGarbage(store);
    assert.deepEqual(leftovers(store), []);
    assert.deepEqual(await checkStore(store), []);
  }
});

test('kill -9 while load is reading its input (any moment) leaves a consistent store', requiresRoot, async (t) => {
  const dir = tmpDir('berth-crash2-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = await archive(dir);
  const buf = fs.readFileSync(file);
  const root = path.join(dir, 'r');
  const child = spawn(process.execPath, [berthBin, '--root', root, 'load'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  child.stdin.on('error', () => {});
  await new Promise<void>((res) => child.stdin.write(buf.subarray(0, buf.length >> 1), () => res()));
  child.kill('SIGKILL');
  await exited;
  const store = ImageStore.open(root);
  assert.deepEqual(await checkStore(store), []);
  assert.equal(store.list().length, 0);
  await collectGarbage(store);
  assert.deepEqual(leftovers(store), []);
});


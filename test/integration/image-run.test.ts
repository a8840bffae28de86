import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ImageStore } from '../../src/image/ImageStore.js';
import { berthBin, requiresRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';

const berth = (root: string, ...args: string[]) => spawnSync(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8', timeout: 120_000 });

test('an image imported from busybox-static runs; diff and export see its changes; rmi refuses while used', requiresRoot, async (t) => {
  const root = tmpDir('berth-imgrun-');
  const name = `imgrun-${process.pid}`;
  t.after(() => {
    berth(root, 'rm', '-f', name);
    fs.rmSync(root, { recursive: true, force: true });
  });
  await createBusyboxImage(root, 'busybox:latest');
  const run = berth(root, 'run', '--name', name, 'busybox', 'sh', '-c', 'echo hello; echo x > /newfile; rm /bin/ls');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'hello\n');
  const diff = berth(root, 'diff', name);
  assert.equal(diff.status, 0, diff.stderr);
  assert.deepEqual(diff.stdout.trim().split('\n'), ['C /bin', 'D /bin/ls', 'A /newfile']);
  const out = path.join(root, 'export.tar');
  assert.equal(berth(root, 'export', '-o', out, name).status, 0);
  const names = spawnSync('tar', ['tf', out], { encoding: 'utf8' }).stdout.split('\n');
  assert.ok(names.includes('newfile'));
  assert.ok(names.includes('bin/busybox'));
  assert.ok(!names.includes('bin/ls'));
  // commit (the container group's verb) -> a new image whose top layer is the upper dir
  const commit = berth(root, 'commit', name, 'committed:1');
  assert.equal(commit.status, 0, commit.stderr);
  const store = ImageStore.open(root);
  const img = store.resolve('committed:1');
  assert.equal(img.config.rootfs.diff_ids.length, 2);
  const layer = spawnSync('tar', ['tf', store.content.path(img.manifest.layers[1].digest)], { encoding: 'utf8' }).stdout.split('\n');
  assert.ok(layer.includes('newfile') && layer.includes('bin/.wh.ls'), layer.join(','));
  assert.ok(!layer.includes('etc/hostname'), 'runtime mount points are not committed');
  const run2 = berth(root, 'run', '--rm', 'committed:1', 'sh', '-c', 'cat /newfile; ls /bin/ls 2>&1 || true');
  assert.equal(run2.status, 0, run2.stderr);
  assert.match(run2.stdout, /^x\n.*No such file/s);
  assert.equal(berth(root, 'rmi', 'committed:1').status, 0);
  const rmi = berth(root, 'rmi', 'busybox');
  assert.notEqual(rmi.status, 0);
  assert.match(rmi.stderr, /must force/);
  const prune = berth(root, 'image', 'prune', '-a', '-f');
  assert.equal(prune.status, 0, prune.stderr);
  assert.equal(berth(root, 'images', '-q').stdout.trim().length, 12);
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
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
  const rmi = berth(root, 'rmi', 'busybox');
  assert.notEqual(rmi.status, 0);
  assert.match(rmi.stderr, /must force/);
  const prune = berth(root, 'image', 'prune', '-a', '-f');
  assert.equal(prune.status, 0, prune.stderr);
  assert.equal(berth(root, 'images', '-q').stdout.trim().length, 12);
});

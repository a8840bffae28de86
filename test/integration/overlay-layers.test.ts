/**
 * Images of many layers through the real CLI: `run`, `cp` out of and into a created container
 * (the helper's read-only and writable views of its root), `build` FROM one. fsconfig(2) takes
 * strings of at most 255 bytes, so a lowerdir of a few layers goes layer by layer (lowerdir+,
 * Linux 6.8); older kernels get mount(2) and its one page, into which the layer links go
 * relative to their directory (10 bytes each, whatever the root), so 128 layers still fit. Run
 * under a short root and a long one; CI runs it in the 6.1 VM too (scripts/vm/run-v2.sh), where
 * 499 layers are past the page and the one-line refusal is what must hold.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { kernelHasLowerdirPlus } from '../../src/image/Snapshotter.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { busyboxTar, dockerArchive, layerTar, newEntry } from '../imageHelpers.js';
import { berthCommand } from './engineHarness.js';

const lowerdirPlus = kernelHasLowerdirPlus(os.release());

function archive(n: number): Buffer {
  const layers: Buffer[] = [fs.readFileSync(busyboxTar())];
  for (let i = 1; i < n; i++) {
    layers.push(layerTar([
      [newEntry({ name: 'layers/', type: 'dir', mode: 0o755, mtime: 1600000000 })],
      [newEntry({ name: `layers/${i}`, type: 'file', mode: 0o644, mtime: 1600000000 }), Buffer.from(`${i}\n`)],
    ]));
  }
  return dockerArchive(layers, { tag: `layers:${n}` });
}

function berth(root: string, args: string[], input?: string) {
  const [bin, argv] = berthCommand(['--root', root, ...args]);
  const r = spawnSync(bin, argv, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

function ok(root: string, args: string[]): string {
  const r = berth(root, args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Everything an image of `n` layers must do; `mayRefuse`: the kernel's page limit may stop it. */
function exercise(root: string, work: string, n: number, mayRefuse: boolean): void {
  const tar = path.join(work, `l${n}.tar`);
  fs.writeFileSync(tar, archive(n));
  ok(root, ['load', '-q', '-i', tar]);
  fs.rmSync(tar);
  const img = `layers:${n}`;
  const r = berth(root, ['run', '--rm', '--network', 'none', img, 'sh', '-c', `ls /layers 2>/dev/null | wc -l; cat /layers/${n - 1} 2>/dev/null; true`]);
  if (mayRefuse && r.code !== 0) {
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /^berth: image has \d+ layers: overlay mount options are \d+ bytes, over the kernel's 4095-byte limit \(Linux 6\.8 lifts it\)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    return;
  }
  assert.equal(r.code, 0, `${n} layers: ${r.stderr}`);
  const top = n > 1 ? `${n - 1}` : '';
  assert.deepEqual(r.stdout.trim().split('\n').map((s) => s.trim()).filter(Boolean), [String(n - 1), ...(top ? [top] : [])]);

  const name = `c${n}`;
  ok(root, ['create', '--network', 'none', '--name', name, img, 'cat', '/copied']);
  // the read-only view: a file of the top layer (and the bottom one) out of the created container
  const out = path.join(work, 'out');
  ok(root, ['cp', `${name}:/etc/passwd`, out]);
  assert.match(fs.readFileSync(out, 'utf8'), /^root:/);
  if (top) {
    ok(root, ['cp', `${name}:/layers/${top}`, out]);
    assert.equal(fs.readFileSync(out, 'utf8'), `${top}\n`);
  }
  // the writable view: a file into it, read back by the container
  fs.writeFileSync(out, `copied into ${n}\n`);
  ok(root, ['cp', out, `${name}:/copied`]);
  assert.equal(ok(root, ['start', '-a', name]), `copied into ${n}\n`);
  ok(root, ['rm', name]);
}

for (const [label, long] of [['short', false], ['long', true]] as const) {
  test(`images of 1, 5, 20, 128 and 499 layers run, cp in and out, build on them (${label} root)`, requiresRoot, (t) => {
    const work = tmpDir('berth-layers-');
    // a root of 60 bytes (about what a unix socket path under it allows): each absolute lowerdir
    // entry is about 75, so 128 layers are past mount(2)'s page unless the links go relative
    const root = long ? path.join(work, 'a-longer-root-directory-name-x'.padEnd(60 - work.length - 1, 'x')) : path.join(work, 'r');
    t.after(() => {
      berth(root, ['system', 'reset', '-f']);
      fs.rmSync(work, { recursive: true, force: true });
    });
    for (const n of [1, 5, 20, 128, 499]) exercise(root, work, n, !lowerdirPlus && n > 128);

    // build: FROM a 20-layer image, a COPY (the helper writes into the step's view) and a RUN on it
    const ctx = path.join(work, 'ctx');
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, 'f'), 'from the context\n');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM layers:20\nCOPY f /f\nRUN cat /f /layers/19 > /both\n');
    ok(root, ['build', '-q', '--network', 'none', '-t', 'built:1', ctx]);
    assert.equal(ok(root, ['run', '--rm', '--network', 'none', 'built:1', 'cat', '/both']), 'from the context\n19\n');
  });
}

test('an image of 500 layers is refused in one line: overlayfs stacks 500 lower dirs, the view one more', requiresRoot, (t) => {
  const work = tmpDir('berth-layers-');
  const root = path.join(work, 'r');
  t.after(() => {
    berth(root, ['system', 'reset', '-f']);
    fs.rmSync(work, { recursive: true, force: true });
  });
  const tar = path.join(work, 'l500.tar');
  fs.writeFileSync(tar, archive(500));
  ok(root, ['load', '-q', '-i', tar]);
  for (const args of [['create', '--network', 'none', 'layers:500'], ['run', '--rm', '--network', 'none', 'layers:500', 'true']]) {
    const r = berth(root, args);
    assert.equal(r.code, 125, r.stderr);
    assert.equal(r.stderr, "berth: image has 500 layers: overlayfs stacks at most 500 lower dirs, so an image at most 499 layers (squash the image)\n");
    assert.equal(ok(root, ['ps', '-aq']), '');
  }
});

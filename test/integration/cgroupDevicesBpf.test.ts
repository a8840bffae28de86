import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir, requiresRoot, tmpDir } from '../helpers.js';
import { compileDeviceFilter, detectCgroupLayout } from '../../src/runtime/cgroups/index.js';
import { openableBlockDevice, spawnHeld, testCgroup } from './cgroupHarness.js';

const hasGcc = spawnSync('cc', ['--version']).status === 0;
const skip = requiresRoot.skip ?? (detectCgroupLayout().unified === null ? 'no cgroup2 hierarchy' : !hasGcc ? 'needs cc to build the fixture loader' : undefined);

// The v2 device mechanism, on whichever cgroup2 hierarchy the host has (hybrid: /sys/fs/cgroup/unified).
test('cgroup devices (eBPF, v2): the compiled filter denies a block device with EPERM; /dev/null works', { skip }, async (t) => {
  const dir = tmpDir('berth-devbpf-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const loader = path.join(dir, 'devbpf');
  const cc = spawnSync('cc', ['-O2', '-o', loader, path.join(fixturesDir, 'cgroup', 'devbpf.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const node = openableBlockDevice(dir) as string;
  assert.ok(node, 'no block device the host itself may open');

  const { cg } = testCgroup(t);
  const filter = compileDeviceFilter([
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  ]);
  const load = spawnSync(loader, [cg.bpfDeviceTarget() as string, Buffer.from(filter.program).toString('hex')], { encoding: 'utf8' });
  assert.equal(load.status, 0, load.stderr);

  const p = spawnHeld(t, `dd if=${node} of=/dev/null bs=512 count=1; echo x > /dev/null && echo null-ok`);
  cg.addPid(p.pid);
  p.release();
  await p.finished;
  assert.match(p.stderr(), /Operation not permitted/);
  assert.match(p.stdout(), /null-ok/);
});

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { requiresRoot, tmpDir } from '../helpers.js';
import { detectCgroupLayout } from '../../src/runtime/cgroups/index.js';
import { openableBlockDevice, spawnHeld, testCgroup } from './cgroupHarness.js';

const skip = requiresRoot.skip ?? (detectCgroupLayout().mode === 'v2' ? 'v2 has no devices controller: see cgroupDevicesBpf.test.ts' : undefined);

test('cgroup devices (v1): opening a disallowed block device fails with EPERM; /dev/null works', { skip }, async (t) => {
  const dir = tmpDir('berth-dev-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const node = openableBlockDevice(dir) as string;
  const { cg } = testCgroup(t);
  assert.ok(node, 'no block device the host itself may open');

  cg.update({
    devices: [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    ],
  });
  const p = spawnHeld(t, `dd if=${node} of=/dev/null bs=512 count=1; echo x > /dev/null && echo null-ok`);
  cg.addPid(p.pid);
  p.release();
  await p.finished;
  assert.match(p.stderr(), /Operation not permitted/);
  assert.match(p.stdout(), /null-ok/);
});

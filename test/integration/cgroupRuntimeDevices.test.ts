/** Device control through the runtime, on whatever cgroup layout the host has
 * (v1 devices controller, or the eBPF filter the monitor attaches on v2). */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { requiresRoot } from '../helpers.js';
import { berth, cleanupBundle, makeBundle } from '../runtimeHelpers.js';
import { openableBlockDevice } from './cgroupHarness.js';

test('runtime devices: a block device outside the allow list gives EPERM; /dev/null works', requiresRoot, (t) => {
  const b = makeBundle();
  t.after(() => cleanupBundle(b));
  const node = openableBlockDevice(b.dir);
  assert.ok(node, 'no block device the host itself may open');
  const st = fs.statSync(node);
  const major = Math.floor(st.rdev / 256) & 0xfff, minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  b.spec.linux!.devices = [{ path: '/dev/testblk', type: 'b', major, minor, fileMode: 0o660 }];
  b.spec.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
  b.spec.process!.args = ['sh', '-c', 'dd if=/dev/testblk of=/dev/null bs=512 count=1; echo x > /dev/null && echo null-ok'];
  b.write();
  const r = berth(b, ['run', 'devs']);
  assert.match(r.stderr, /Operation not permitted/);
  assert.match(r.stdout, /null-ok/);
});

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { testCgroup } from './cgroupHarness.js';

const MiB = 1024 * 1024;

test('cgroup hugetlb: a 2MB page limit is written where this host keeps hugetlb', requiresRoot, (t) => {
  const { cg } = testCgroup(t);
  const dir = cg.dirFor('hugetlb');
  const file = dir && ['hugetlb.2MB.max', 'hugetlb.2MB.limit_in_bytes'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) {
    // e.g. this VM: hugetlb lives on a cgroup2 root that does not delegate it (its
    // subtree_control is the host's, and berth leaves it alone).
    assert.throws(() => cg.update({ hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }] }), (e: unknown) => (e as { kind?: string }).kind === 'FailedPrecondition');
    t.skip('hugetlb is not available to berth on this host');
    return;
  }
  cg.update({ hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }] });
  assert.equal(fs.readFileSync(file, 'utf8').trim(), String(8 * MiB));
});

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hostSupport } from '../../src/engine/hostSupport.js';
import { requiresRoot } from '../helpers.js';
import { testCgroup } from './cgroupHarness.js';

const MiB = 1024 * 1024;

// The probe says whether berth can limit 2MB pages here: then the limit lands in the file;
// else (no hugetlb hierarchy, or a hybrid host's cgroup2 root that does not delegate it: its
// subtree_control is the host's, and berth leaves it alone) the runtime refuses it by name.
test('cgroup hugetlb: a 2MB page limit is written where the probe says berth can limit hugetlb, else refused by name', requiresRoot, (t) => {
  const { cg, layout } = testCgroup(t);
  const can = hostSupport({ layout });
  const limit = { hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }] };
  if (!can.hugetlb.includes('2MB')) {
    t.diagnostic(`hugetlb not available to berth here (page sizes: ${can.hugetlb.join(' ') || 'none'}; controller: ${can.controllers.hugetlb ?? 'absent'})`);
    assert.throws(() => cg.update(limit), (e: unknown) => (e as { kind?: string }).kind === 'FailedPrecondition' && /hugetlb/.test((e as Error).message) && !(e as Error).message.includes('\n'));
    return;
  }
  cg.update(limit);
  const file = path.join(cg.dirFor('hugetlb') as string, can.controllers.hugetlb === 'v2' ? 'hugetlb.2MB.max' : 'hugetlb.2MB.limit_in_bytes');
  assert.equal(fs.readFileSync(file, 'utf8').trim(), String(8 * MiB));
});

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { requiresRoot } from '../helpers.js';
import { sleep, spawnHeld, testCgroup, waitFor } from './cgroupHarness.js';

// The one timing-based check the issue asks for: quota = half a CPU over ~2 s.
test('cgroup cpu: quota 50000/100000 holds a busy loop to 35-65% of one core', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  cg.update({ cpu: { quota: 50000, period: 100000 } });
  const busy = spawnHeld(t, 'while :; do :; done');
  cg.addPid(busy.pid);
  busy.release();
  await waitFor('the loop to start', () => cg.stats().cpu.usageNs > 0);
  // Above 65% means the quota failed: fail at once. Below 35% can also be a busy
  // host (other work starving the loop): measure again, up to three windows.
  const shares: number[] = [];
  for (let i = 0; i < 3; i++) {
    const u0 = cg.stats().cpu.usageNs;
    const t0 = process.hrtime.bigint();
    await sleep(2000);
    const share = (cg.stats().cpu.usageNs - u0) / Number(process.hrtime.bigint() - t0);
    shares.push(share);
    assert.ok(share <= 0.65, `cpu share ${share.toFixed(3)} of one core is above the 50% quota`);
    if (share >= 0.35) break;
  }
  const last = shares[shares.length - 1];
  t.diagnostic(`cpu share per 2 s window: ${shares.map((x) => x.toFixed(3)).join(', ')}`);
  assert.ok(last >= 0.35 && last <= 0.65, `cpu share ${shares.map((x) => x.toFixed(3)).join(', ')} of one core`);
  assert.ok(cg.stats().cpu.throttledPeriods > 0, 'the kernel reports throttling');
});

test('cgroup cpuset: /proc/<pid>/status inside shows only the allowed CPU', { skip: !requiresRoot.skip && os.cpus().length < 2 ? 'needs 2 CPUs' : requiresRoot.skip }, async (t) => {
  const { cg } = testCgroup(t);
  const last = String(os.cpus().length - 1);
  cg.update({ cpu: { cpus: last, mems: '0' } });
  const p = spawnHeld(t, 'grep Cpus_allowed_list /proc/self/status');
  cg.addPid(p.pid);
  p.release();
  assert.deepEqual(await p.finished, { code: 0, signal: null });
  assert.equal(p.stdout().trim(), `Cpus_allowed_list:\t${last}`);
  assert.notEqual(fs.readFileSync('/proc/self/status', 'utf8').match(/Cpus_allowed_list:\t(.*)/)?.[1], last, 'the host is not restricted');
});

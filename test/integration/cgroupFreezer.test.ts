import test from 'node:test';
import assert from 'node:assert/strict';
import { requiresRoot } from '../helpers.js';
import { sleep, spawnHeld, testCgroup, waitFor } from './cgroupHarness.js';

test('cgroup freezer: a paused group does not advance; thaw resumes it', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  const busy = spawnHeld(t, 'while :; do :; done');
  cg.addPid(busy.pid);
  busy.release();
  await waitFor('the loop to run', () => cg.stats().cpu.usageNs > 0);

  cg.freeze();
  assert.equal(cg.isFrozen(), true);
  const frozenAt = cg.stats().cpu.usageNs;
  await sleep(300);
  assert.equal(cg.stats().cpu.usageNs, frozenAt, 'no CPU time while frozen');

  cg.thaw();
  assert.equal(cg.isFrozen(), false);
  await waitFor('the loop to resume', () => cg.stats().cpu.usageNs > frozenAt);
});

test('cgroup freezer: a frozen group can still be destroyed', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  const p = spawnHeld(t, 'sleep 1000');
  cg.addPid(p.pid);
  p.release();
  cg.freeze();
  cg.killAll();
  assert.equal((await p.exited).signal, 'SIGKILL');
  assert.deepEqual(cg.pids(), []);
});

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requiresRoot } from '../helpers.js';
import { spawnHeld, testCgroup } from './cgroupHarness.js';
import { isGone } from './cgroupHarness.js';

test('cgroup pids: a fork bomb stops at pids.max 64; the host keeps working; cleanup kills everything', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  cg.update({ pids: { limit: 64 } });
  assert.equal(cg.stats().pids.limit, 64);
  // Bounded (200 forks) so that a broken limit cannot hurt the host.
  const bomb = spawnHeld(t, 'i=0; while [ $i -lt 200 ]; do sleep 1000 </dev/null >/dev/null 2>&1 & i=$((i+1)); done; echo all-forked');
  cg.addPid(bomb.pid);
  bomb.release();
  await bomb.finished;

  assert.match(bomb.stderr(), /can't fork|Resource temporarily unavailable/, 'fork must fail at the limit');
  assert.doesNotMatch(bomb.stdout(), /all-forked/);
  const survivors = cg.pids();
  assert.ok(survivors.length >= 60 && survivors.length <= 64, `${survivors.length} processes, limit 64`);
  assert.ok(cg.stats().pids.current <= 64);
  assert.equal(spawnSync('/bin/busybox', ['true']).status, 0, 'the host can still fork');

  cg.killAll();
  assert.deepEqual(cg.pids(), []);
  for (const pid of survivors) assert.ok(isGone(pid), `pid ${pid} still alive`);
});

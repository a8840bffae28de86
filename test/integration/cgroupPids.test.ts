import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { isGone, spawnHeld, testCgroup, waitFor } from './cgroupHarness.js';

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

test('cgroup pids: a real recursive fork bomb is held at 64 and killAll ends it', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  cg.update({ pids: { limit: 64 } });
  const bomb = spawnHeld(t, 'b() { b | b & }; b 2>/dev/null');
  cg.addPid(bomb.pid);
  // Only let it go once the kernel holds it: limit in place and the process inside.
  assert.equal(cg.stats().pids.limit, 64);
  assert.deepEqual(cg.pids(), [bomb.pid]);
  bomb.release();
  const events = path.join(cg.dirFor('pids') as string, 'pids.events');
  const refusedForks = () => Number(/max (\d+)/.exec(fs.readFileSync(events, 'utf8'))?.[1] ?? 0);
  await waitFor('the kernel to refuse forks at the limit', () => refusedForks() > 0);
  assert.ok(cg.stats().pids.current <= 64, `pids.current ${cg.stats().pids.current}`);
  assert.equal(spawnSync('/bin/busybox', ['true']).status, 0, 'the host can still fork');

  cg.killAll();
  assert.deepEqual(cg.pids(), []);
  // pids.current drops as the dead are reaped (by init: their parents died first).
  await waitFor('the dead to be reaped', () => cg.stats().pids.current === 0);
});

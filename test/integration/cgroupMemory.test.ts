import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hostSupport } from '../../src/engine/hostSupport.js';
import { requiresRoot } from '../helpers.js';
import { spawnHeld, testCgroup } from './cgroupHarness.js';

const MiB = 1024 * 1024;

test('cgroup memory: a process allocating twice the limit is OOM-killed and the OOM is counted', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  const limit = 64 * MiB;
  // No swap to escape to: where the probe finds no swap accounting the runtime skips that write (and says so).
  const swapFile = cg.layout.mode === 'v2' ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes';
  const swapLimit = hostSupport({ layout: cg.layout }).resources.swapLimit;
  const skipped = cg.update({ memory: { limit, swap: limit } });
  assert.deepEqual(skipped.map((w) => w.file), swapLimit ? [] : [swapFile]);
  assert.equal(fs.existsSync(path.join(cg.dirFor('memory') as string, swapFile)), swapLimit, 'the probe and the kernel agree');
  assert.equal(cg.stats().memory.limit, limit);
  assert.equal(cg.oomKilled(), false);

  // dd's buffer is bs bytes, filled by read(2) from /dev/zero: it touches all 128 MiB.
  const hog = spawnHeld(t, 'exec dd if=/dev/zero of=/dev/null bs=128M count=1');
  cg.addPid(hog.pid);
  hog.release();
  const exit = await hog.finished;

  assert.equal(exit.signal, 'SIGKILL', `dd should die of SIGKILL, got ${JSON.stringify(exit)} ${hog.stderr()}`);
  assert.ok(cg.oomEvents() >= 1, 'the OOM kill is counted');
  assert.equal(cg.oomKilled(), true);
  assert.deepEqual(cg.pids(), []);
});

test('cgroup memory: a process under the limit runs to completion, no OOM', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  cg.update({ memory: { limit: 64 * MiB } });
  const p = spawnHeld(t, 'exec dd if=/dev/zero of=/dev/null bs=8M count=2');
  cg.addPid(p.pid);
  p.release();
  assert.deepEqual(await p.finished, { code: 0, signal: null });
  assert.equal(cg.oomKilled(), false);
});

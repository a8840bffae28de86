import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { requiresRoot } from '../helpers.js';
import { Cgroup, detectCgroupLayout } from '../../src/runtime/cgroups/index.js';
import { isGone, spawnHeld, testCgroup, waitFor } from './cgroupHarness.js';

test('cgroup lifecycle: placed before it runs; /proc/self/cgroup shows berth/<id>', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  const p = spawnHeld(t, 'cat /proc/self/cgroup');
  cg.addPid(p.pid);
  p.release();
  assert.deepEqual(await p.finished, { code: 0, signal: null });
  const lines = p.stdout().trim().split('\n');
  const ours = lines.filter((l) => l.endsWith(`/${cg.relPath}`));
  // v2: the one `0::` line; v1/hybrid: every hierarchy berth made a directory in.
  assert.equal(ours.length, cg.hierarchies().length, p.stdout());
});

test('cgroup lifecycle: destroy after the monitor was killed removes processes and directories', requiresRoot, async (t) => {
  const layout = detectCgroupLayout();
  const { cg } = testCgroup(t);
  cg.update({ pids: { limit: 32 }, memory: { limit: 64 * 1024 * 1024 } });
  // The "monitor" starts two workers and is then SIGKILLed: the workers stay behind, orphaned.
  const monitor = spawnHeld(t, 'sleep 1000 </dev/null >/dev/null 2>&1 & sleep 1000 </dev/null >/dev/null 2>&1 & wait');
  cg.addPid(monitor.pid);
  monitor.release();
  await waitFor('the workers', () => cg.pids().length === 3);
  process.kill(monitor.pid, 'SIGKILL');
  await monitor.exited;
  const orphans = cg.pids();
  assert.equal(orphans.length, 2);

  // A fresh process (the CLI's `delete`) knows only the path.
  Cgroup.open(layout, cg.relPath).destroy();
  for (const pid of orphans) assert.ok(isGone(pid), `pid ${pid} still alive`);
  for (const d of cg.dirs()) assert.equal(fs.existsSync(d), false, d);
});

test('cgroup lifecycle: update changes the limits of a running group', requiresRoot, async (t) => {
  const { cg } = testCgroup(t);
  const p = spawnHeld(t, 'sleep 1000');
  cg.addPid(p.pid);
  p.release();
  cg.update({ memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 10 } });
  assert.equal(cg.stats().pids.limit, 10);
  cg.update({ memory: { limit: 128 * 1024 * 1024 }, pids: { limit: 20 } });
  assert.equal(cg.stats().memory.limit, 128 * 1024 * 1024);
  assert.equal(cg.stats().pids.limit, 20);
  assert.equal(cg.stats().pids.current, 1);
});

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot, tmpDir } from '../helpers.js';
import { diskOf, spawnHeld, testCgroup } from './cgroupHarness.js';

const MiB = 1024 * 1024;

// Wide bounds: 2 MiB at 1 MiB/s should take about 2 s; we accept 1-20 s.
test('cgroup blkio: a write-bps throttle on the disk limits a direct-I/O dd', requiresRoot, async (t) => {
  const dir = tmpDir('berth-blkio-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { cg } = testCgroup(t);
  const disk = diskOf(dir);
  cg.update({ blockIO: { throttleWriteBpsDevice: [{ ...disk, rate: MiB }] } });
  const p = spawnHeld(t, `dd if=/dev/zero of=${path.join(dir, 'f')} bs=64k count=32 oflag=direct`);
  cg.addPid(p.pid);
  const t0 = Date.now();
  p.release();
  const exit = await p.exited;
  const secs = (Date.now() - t0) / 1000;
  assert.equal(exit.code, 0, p.stderr());
  assert.ok(secs >= 1 && secs <= 20, `2 MiB at 1 MiB/s took ${secs.toFixed(2)} s`);
  assert.ok(cg.stats().blkio.writeBytes >= 2 * MiB, `written bytes accounted: ${cg.stats().blkio.writeBytes}`);
});

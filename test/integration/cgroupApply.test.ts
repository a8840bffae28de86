import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { requiresRoot } from '../helpers.js';
import type { LinuxResources } from '../../src/runtime/cgroups/index.js';
import { hostSupport } from '../../src/engine/hostSupport.js';
import { diskOf, testCgroup } from './cgroupHarness.js';

const MiB = 1024 * 1024;

// The translator's output is accepted by the real kernel, and reads back as meant. A block
// I/O weight only where the probe says the kernel has one (BFQ or io.weight): dockerd discards
// it before the runtime elsewhere, and the runtime refuses it by name (below).
test('cgroup apply: a full resources set is accepted by the kernel and reads back', requiresRoot, (t) => {
  const { cg, layout } = testCgroup(t);
  const can = hostSupport({ layout });
  const disk = diskOf(os.tmpdir());
  const resources: LinuxResources = {
    memory: { limit: 96 * MiB, reservation: 48 * MiB, swap: 96 * MiB },
    cpu: { shares: 512, quota: 25000, period: 50000, cpus: '0', mems: '0' },
    pids: { limit: 99 },
    blockIO: { ...(can.resources.blkioWeight ? { weight: 300 } : {}), throttleReadBpsDevice: [{ ...disk, rate: 10 * MiB }], throttleWriteIOPSDevice: [{ ...disk, rate: 500 }] },
  };
  const skipped = cg.update(resources);
  // Swap accounting is optional: where the probe says it is missing, its write is the one skipped.
  assert.deepEqual(skipped.map((w) => w.file), can.resources.swapLimit ? [] : [layout.mode === 'v2' ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes']);
  const at = (ctrl: string, file: string) => fs.readFileSync(path.join(cg.dirFor(ctrl) as string, file), 'utf8').trim();
  const dev = `${disk.major}:${disk.minor}`;
  assert.equal(cg.stats().memory.limit, 96 * MiB);
  assert.equal(cg.stats().pids.limit, 99);
  assert.equal(at('cpuset', 'cpuset.cpus'), '0');
  if (layout.mode === 'v2') {
    assert.equal(at('memory', 'memory.low'), String(48 * MiB));
    assert.equal(at('cpu', 'cpu.max'), '25000 50000');
    assert.equal(at('cpu', 'cpu.weight'), '20');
    assert.match(at('io', 'io.max'), new RegExp(`^${dev} rbps=${10 * MiB} wbps=max riops=max wiops=500$`, 'm'));
    if (can.resources.blkioWeight) assert.match(at('io', can.bfq ? 'io.bfq.weight' : 'io.weight'), /^default \d+$/m);
  } else {
    assert.equal(at('memory', 'memory.soft_limit_in_bytes'), String(48 * MiB));
    assert.equal(at('cpu', 'cpu.shares'), '512');
    assert.equal(at('cpu', 'cpu.cfs_quota_us'), '25000');
    assert.equal(at('cpu', 'cpu.cfs_period_us'), '50000');
    assert.equal(at('blkio', 'blkio.throttle.read_bps_device'), `${dev} ${10 * MiB}`);
    assert.equal(at('blkio', 'blkio.throttle.write_iops_device'), `${dev} 500`);
    if (can.resources.blkioWeight) assert.match(at('blkio', can.bfq ? 'blkio.bfq.weight' : 'blkio.weight'), /(^|\s)300$/m);
  }

  // Lower everything again (memsw before memory.limit on v1: the retry handles the order).
  cg.update({ memory: { limit: 32 * MiB, swap: 32 * MiB }, pids: { limit: 10 } });
  assert.equal(cg.stats().memory.limit, 32 * MiB);
  // Raise both: on v1 memory.limit above the old memsw is refused until memsw is raised.
  cg.update({ memory: { limit: 128 * MiB, swap: 128 * MiB } });
  assert.equal(cg.stats().memory.limit, 128 * MiB);
});

test('cgroup apply: a block I/O weight the kernel lacks is refused by name, one line; where it has one, written', requiresRoot, (t) => {
  const { cg, layout } = testCgroup(t);
  const can = hostSupport({ layout });
  const file = layout.mode === 'v2' ? 'io.weight' : 'blkio.weight';
  if (can.resources.blkioWeight) {
    cg.update({ blockIO: { weight: 500 } });
    const dir = cg.dirFor(layout.mode === 'v2' ? 'io' : 'blkio') as string;
    const v1 = can.bfq ? 'blkio.bfq.weight' : 'blkio.weight';
    assert.match(fs.readFileSync(path.join(dir, layout.mode === 'v2' ? (can.bfq ? 'io.bfq.weight' : 'io.weight') : v1), 'utf8'), layout.mode === 'v2' ? /^default \d+$/m : /(^|\s)500$/m);
    return;
  }
  assert.throws(() => cg.update({ blockIO: { weight: 500 } }), (e: unknown) => {
    const err = e as Error & { kind?: string };
    return err.kind === 'FailedPrecondition' && err.message.includes(file) && err.message.includes('does not exist') && !err.message.includes('\n');
  });
});

test('cgroup apply: a value the kernel refuses is a one-line error naming the file', requiresRoot, (t) => {
  const { cg } = testCgroup(t);
  assert.throws(
    () => cg.update({ cpu: { cpus: '999' } }),
    (e: unknown) => (e as { kind?: string }).kind !== undefined && /cpuset\.cpus/.test((e as Error).message) && !(e as Error).message.includes('\n'),
  );
});

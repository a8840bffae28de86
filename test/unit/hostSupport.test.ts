import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { formatHostSupport, hostSupport, hugepageSizeName } from '../../src/engine/hostSupport.js';
import { discardUnsupported, resourceHostConfig, type ResourceSupport } from '../../src/engine/resourceFlags.js';
import { updateResources } from '../../src/engine/updateContainer.js';
import type { HostConfig } from '../../src/engine/types.js';
import { fixtureCgroupFs } from '../../src/sys/cgroupfs.js';
import { tmpDir } from '../helpers.js';
import { fixtureTree } from './cgroupFixtures.js';

function hugepages(t: TestContext, ...names: string[]): string {
  const d = tmpDir('berth-hugepages-');
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  for (const n of names) fs.mkdirSync(path.join(d, n));
  return d;
}

test('hugepage directory names -> the cgroup page-size spelling', () => {
  assert.equal(hugepageSizeName('hugepages-2048kB'), '2MB');
  assert.equal(hugepageSizeName('hugepages-1048576kB'), '1GB');
  assert.equal(hugepageSizeName('hugepages-64kB'), '64KB');
  assert.equal(hugepageSizeName('nr_hugepages'), undefined);
});

test('probe, v1 with BFQ, swap accounting and co-mounted net_cls,net_prio: everything supported', (t) => {
  const f = fixtureTree('v1');
  t.after(f.cleanup);
  fs.writeFileSync(path.join(f.layout.v1.blkio, 'blkio.bfq.io_service_bytes'), '');
  const hp = hugepages(t, 'hugepages-2048kB', 'hugepages-1048576kB');
  const h = hostSupport({ layout: f.layout, cgfs: fixtureCgroupFs(), hugepagesDir: hp });
  assert.equal(h.bfq, true);
  assert.deepEqual(h.resources, { swapLimit: true, swappiness: true, oomKillDisable: true, blkioWeight: true, blkioWeightDevice: true, iopsRead: true, iopsWrite: true });
  assert.deepEqual(h.hugetlb, ['2MB'], 'only the sizes the hierarchy has files for');
  assert.equal(h.netCls && h.netPrio, true);
  assert.equal(h.cpuBurst, true);
  assert.equal(h.idmappedMounts, undefined, 'not probed unless asked');
});

test('probe, v1 without BFQ or swap accounting (disks on `none`, swapaccount=0): weight and swap unsupported', (t) => {
  const f = fixtureTree('v1');
  t.after(f.cleanup);
  fs.rmSync(path.join(f.layout.v1.blkio, 'blkio.bfq.weight'));
  fs.rmSync(path.join(f.layout.v1.memory, 'memory.memsw.limit_in_bytes'));
  const h = hostSupport({ layout: f.layout, cgfs: fixtureCgroupFs(), hugepagesDir: hugepages(t) });
  assert.equal(h.bfq, false);
  assert.equal(h.resources.blkioWeight, false);
  assert.equal(h.resources.swapLimit, false);
  assert.equal(h.resources.iopsRead, true);
  assert.deepEqual(h.hugetlb, [], 'no hugepage sizes on this kernel');
  assert.match(formatHostSupport(h), /^block I\/O weight: no \(BFQ: no\);/m);
  assert.match(formatHostSupport(h), /^swap accounting: no;/m);
});

test('probe, hybrid: hugetlb on a cgroup2 root that does not delegate it is not berth\'s; delegated, it is', (t) => {
  const f = fixtureTree('hybrid');
  t.after(f.cleanup);
  const hp = hugepages(t, 'hugepages-2048kB');
  const h0 = hostSupport({ layout: f.layout, cgfs: fixtureCgroupFs(), hugepagesDir: hp });
  assert.deepEqual(h0.hugetlb, []);
  assert.deepEqual(h0.hugepageSizes, ['2MB'], 'the kernel has them even when berth cannot limit them');
  assert.match(formatHostSupport(h0), /^hugetlb: no \(kernel hugepage sizes: 2MB; the controller is not available to berth\)$/m);
  fs.writeFileSync(path.join(f.layout.unified as string, 'cgroup.subtree_control'), 'hugetlb\n');
  const h = hostSupport({ layout: f.layout, cgfs: fixtureCgroupFs(), hugepagesDir: hp });
  assert.deepEqual(h.hugetlb, ['2MB']);
  assert.equal(h.controllers.hugetlb, 'v2');
  assert.equal(h.controllers.memory, 'v1');
});

test('probe, v2: swappiness and the OOM switch never; swap from memory.swap.max below the root', (t) => {
  const f = fixtureTree('v2');
  t.after(f.cleanup);
  const cgfs = fixtureCgroupFs();
  const root = f.layout.unified as string;
  const h0 = hostSupport({ layout: f.layout, cgfs, hugepagesDir: hugepages(t, 'hugepages-2048kB') });
  assert.equal(h0.resources.swapLimit, true, 'nothing below the root to look at: dockerd assumes swap');
  assert.equal(h0.resources.swappiness || h0.resources.oomKillDisable, false);
  assert.deepEqual(h0.hugetlb, ['2MB']);
  fs.mkdirSync(path.join(root, 'berth'));
  fs.writeFileSync(path.join(root, 'berth', 'memory.current'), '');
  assert.equal(hostSupport({ layout: f.layout, cgfs, hugepagesDir: hugepages(t) }).resources.swapLimit, false, 'memory without memory.swap.max: no swap accounting');
  fs.writeFileSync(path.join(root, 'berth', 'memory.swap.max'), '');
  assert.equal(hostSupport({ layout: f.layout, cgfs, hugepagesDir: hugepages(t) }).resources.swapLimit, true);
});

const all: ResourceSupport = { swapLimit: true, swappiness: true, oomKillDisable: true, blkioWeight: true, blkioWeightDevice: true, iopsRead: true, iopsWrite: true };

test('create without swap accounting: -m keeps its limit, the swap limit goes (-1), dockerd\'s warning first', () => {
  const hc = { Memory: 64 << 20, MemorySwap: 128 << 20, ...resourceHostConfig({ blkioWeight: '300' }) } as HostConfig;
  assert.deepEqual(discardUnsupported(hc, { ...all, swapLimit: false, blkioWeight: false }), [
    'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
    'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
  ]);
  assert.deepEqual([hc.Memory, hc.MemorySwap, hc.BlkioWeight], [64 << 20, -1, 0]);
  const unlimited = { Memory: 64 << 20, MemorySwap: -1 } as HostConfig;
  assert.deepEqual(discardUnsupported(unlimited, { ...all, swapLimit: false }), [], 'unlimited swap asks nothing of the host');
});

test('update on a host without a weight file: the weight is discarded with dockerd\'s warning, the rest applied', () => {
  const hc = { Memory: 64 << 20, MemorySwap: 128 << 20, BlkioWeight: 0 } as HostConfig;
  const warnings: string[] = [];
  assert.deepEqual(updateResources(hc, { blkioWeight: '700', pidsLimit: '9' }, { ...all, blkioWeight: false }, warnings), { pids: { limit: 9 } });
  assert.deepEqual(warnings, ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  assert.equal(hc.BlkioWeight, 0);
  assert.deepEqual(updateResources(hc, { memorySwap: '256m' }, { ...all, swapLimit: false }, warnings), { memory: { swap: -1 } });
  assert.equal(hc.MemorySwap, -1);
  assert.deepEqual(updateResources(hc, { blkioWeight: '700' }, all), { blockIO: { weight: 700 } });
});

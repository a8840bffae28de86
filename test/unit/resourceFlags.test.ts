import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockIoTunables, discardUnsupported, memoryTunables, parseIopsThrottle, parseSwappiness, resourceHostConfig } from '../../src/engine/resourceFlags.js';
import { resourceSupport } from '../../src/engine/resourceSupport.js';
import { fixtureCgroupFs } from '../../src/sys/cgroupfs.js';
import type { HostConfig } from '../../src/engine/types.js';

const all = { swapLimit: true, swappiness: true, oomKillDisable: true, blkioWeight: true, blkioWeightDevice: true, iopsRead: true, iopsWrite: true };

test('flags -> HostConfig fields, Docker defaults when absent', () => {
  assert.deepEqual(resourceHostConfig({}), {
    BlkioWeight: 0, BlkioWeightDevice: null, BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null, MemorySwappiness: null, OomKillDisable: false,
  });
  const hc = resourceHostConfig({ blkioWeight: '500', deviceReadIops: ['/dev/sda:100'], memorySwappiness: '0', oomKillDisable: true, blkioWeightDevice: ['/dev/sdb:0'] });
  assert.equal(hc.BlkioWeight, 500);
  assert.deepEqual(hc.BlkioDeviceReadIOps, [{ Path: '/dev/sda', Rate: 100 }]);
  assert.equal(hc.MemorySwappiness, 0);
  assert.equal(parseSwappiness('-1'), null);
  assert.throws(() => parseIopsThrottle('/dev/sda', '--device-read-iops'), /bad format: \/dev\/sda/);
  assert.throws(() => parseSwappiness('-2'), /valid memory swappiness range is 0-100/);
});

test('spec fragments: swappiness 0 is kept, a weight-device of 0 is left out', () => {
  assert.deepEqual(memoryTunables({ MemorySwappiness: 0, OomKillDisable: true }), { swappiness: 0, disableOOMKiller: true });
  assert.deepEqual(memoryTunables({ MemorySwappiness: null }), {});
  const dev = (p: string) => (p === '/dev/sda' ? { major: 8, minor: 0 } : { major: 8, minor: 16 });
  assert.deepEqual(blockIoTunables({ BlkioWeight: 20, BlkioWeightDevice: [{ Path: '/dev/sdb', Weight: 0 }], BlkioDeviceWriteIOps: [{ Path: '/dev/sda', Rate: 9 }] }, dev), {
    weight: 20, throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 9 }],
  });
});

test('cgroup v2 host: swappiness and the OOM switch are discarded with dockerd warnings', () => {
  const layout = { mode: 'v2' as const, root: '/x', v1: {}, unified: '/x', unifiedControllers: ['memory', 'pids'] };
  const can = resourceSupport(layout, fixtureCgroupFs());
  assert.equal(can.swappiness, false);
  assert.equal(can.iopsRead, false);
  const hc = { Memory: 1 << 26, ...resourceHostConfig({ memorySwappiness: '10', oomKillDisable: true, deviceReadIops: ['/dev/sda:1'] }) } as HostConfig;
  assert.deepEqual(discardUnsupported(hc, can), [
    'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.',
    'Your kernel does not support OomKillDisable. OomKillDisable discarded.',
    'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.',
  ]);
  assert.equal(hc.MemorySwappiness, null);
  assert.equal(hc.OomKillDisable, false);
  assert.equal(hc.BlkioDeviceReadIOps, null);
  const noMem = { Memory: 0, ...resourceHostConfig({ oomKillDisable: true }) } as HostConfig;
  assert.deepEqual(discardUnsupported(noMem, all), ["Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous."]);
});

test('inspect of a record written before these fields: Docker defaults, at the end', async () => {
  const { withResourceDefaults } = await import('../../src/engine/resourceFlags.js');
  const old = { Memory: 0, CgroupParent: '' } as unknown as HostConfig;
  const shown = withResourceDefaults(old);
  assert.deepEqual(Object.keys(shown).slice(0, 2), ['Memory', 'CgroupParent']);
  assert.equal(shown.MemorySwappiness, null);
  assert.equal(shown.BlkioDeviceReadIOps, null);
  assert.equal(shown.CpusetMems, '');
  const full = { ...old, ...resourceHostConfig({ memorySwappiness: '3' }), CpusetMems: '0' } as HostConfig;
  assert.equal(withResourceDefaults(full), full, 'nothing missing: the record as it is');
});

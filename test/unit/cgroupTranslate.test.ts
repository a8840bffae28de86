import test from 'node:test';
import assert from 'node:assert/strict';
import { translateResources, sharesToWeight, blkioWeightToIoWeight, type LinuxResources } from '../../src/runtime/cgroups/index.js';
import { BerthError, isBerthError } from '../../src/errors.js';

const MiB = 1024 * 1024;
const full: LinuxResources = {
  memory: { limit: 64 * MiB, reservation: 32 * MiB, swap: 128 * MiB, swappiness: 10, disableOOMKiller: false },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
  pids: { limit: 64 },
  blockIO: { weight: 500, throttleWriteBpsDevice: [{ major: 254, minor: 0, rate: 1048576 }], throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }] },
  hugepageLimits: [{ pageSize: '2MB', limit: 4 * 2 * MiB }],
  devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rw' }],
  network: { classID: 0x100001 },
};
const lines = (r: LinuxResources, mode: 'v1' | 'v2') => translateResources(r, mode).map((w) => `${w.controller} ${w.file}=${w.value}`);

test('translate v1: every resource becomes a v1 control-file write', () => {
  assert.deepEqual(lines(full, 'v1'), [
    `memory memory.limit_in_bytes=${64 * MiB}`,
    `memory memory.memsw.limit_in_bytes=${128 * MiB}`,
    `memory memory.soft_limit_in_bytes=${32 * MiB}`,
    'memory memory.swappiness=10',
    'cpu cpu.shares=512',
    'cpu cpu.cfs_period_us=100000',
    'cpu cpu.cfs_quota_us=50000',
    'cpuset cpuset.cpus=0-1',
    'cpuset cpuset.mems=0',
    'pids pids.max=64',
    'blkio blkio.weight=500',
    'blkio blkio.throttle.write_bps_device=254:0 1048576',
    'blkio blkio.throttle.read_iops_device=8:0 100',
    `hugetlb hugetlb.2MB.limit_in_bytes=${8 * MiB}`,
    'net_cls net_cls.classid=1048577',
    'devices devices.deny=a *:* rwm',
    'devices devices.allow=c 1:3 rwm',
    'devices devices.allow=c 136:* rw',
  ]);
});

test('translate v2: same resources in unified names (weight, cpu.max, swap delta, io.max)', () => {
  // net_cls/net_prio and kernelTCP have no v2 form: the network part is refused (below), kernelTCP not written.
  const v2 = { ...full, network: undefined, memory: { ...full.memory, kernelTCP: 8 * MiB } };
  assert.deepEqual(lines(v2, 'v2'), [
    `memory memory.max=${64 * MiB}`,
    `memory memory.low=${32 * MiB}`,
    `memory memory.swap.max=${64 * MiB}`,
    `cpu cpu.weight=${sharesToWeight(512)}`,
    'cpu cpu.max=50000 100000',
    'cpuset cpuset.cpus=0-1',
    'cpuset cpuset.mems=0',
    'pids pids.max=64',
    `io io.weight=default ${blkioWeightToIoWeight(500)}`,
    'io io.max=254:0 wbps=1048576',
    'io io.max=8:0 riops=100',
    `hugetlb hugetlb.2MB.max=${8 * MiB}`,
  ]);
  assert.throws(() => translateResources({ network: { classID: 1 } }, 'v2'), (e) => isBerthError(e, 'FailedPrecondition') && /cgroup v1 controllers/.test((e as Error).message));
  assert.deepEqual(lines({ network: {} }, 'v2'), [], 'an empty network part asks for nothing');
});

test('translate v1: memory.kernelTCP is memory.kmem.tcp.limit_in_bytes', () => {
  assert.deepEqual(lines({ memory: { kernelTCP: 8 * MiB } }, 'v1'), [`memory memory.kmem.tcp.limit_in_bytes=${8 * MiB}`]);
});

test('translate: unlimited values and conversions at the edges', () => {
  assert.deepEqual(lines({ memory: { limit: -1, swap: -1 }, pids: { limit: -1 }, cpu: { quota: -1 } }, 'v2'), [
    'memory memory.max=max', 'memory memory.swap.max=max', 'cpu cpu.max=max 100000', 'pids pids.max=max',
  ]);
  assert.deepEqual(lines({ memory: { limit: -1 }, pids: { limit: -1 }, cpu: { quota: -1 } }, 'v1'), [
    'memory memory.limit_in_bytes=-1', 'cpu cpu.cfs_quota_us=-1', 'pids pids.max=max',
  ]);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(blkioWeightToIoWeight(10), 1);
  assert.equal(blkioWeightToIoWeight(1000), 10000);
  assert.deepEqual(translateResources(undefined, 'v1'), []);
  assert.deepEqual(translateResources({}, 'v2'), []);
  assert.deepEqual(lines({ unified: { 'memory.high': '1000000' } }, 'v2'), ['memory memory.high=1000000']);
});

const bad: [string, LinuxResources, string][] = [
  ['negative memory', { memory: { limit: -5 } }, 'linux.resources.memory.limit'],
  ['fractional pids', { pids: { limit: 1.5 } }, 'linux.resources.pids.limit'],
  ['string shares', { cpu: { shares: '512' as unknown as number } }, 'linux.resources.cpu.shares'],
  ['tiny quota', { cpu: { quota: 10 } }, 'linux.resources.cpu.quota'],
  ['period out of range', { cpu: { period: 5 } }, 'linux.resources.cpu.period'],
  ['cpuset syntax', { cpu: { cpus: '0-a' } }, 'linux.resources.cpu.cpus'],
  ['swap below memory', { memory: { limit: 64 * MiB, swap: 32 * MiB } }, 'linux.resources.memory.swap'],
  ['blkio weight', { blockIO: { weight: 5 } }, 'linux.resources.blockIO.weight'],
  ['throttle major', { blockIO: { throttleReadBpsDevice: [{ major: -1, minor: 0, rate: 1 }] } }, 'linux.resources.blockIO.throttleReadBpsDevice[0].major'],
  ['device type', { devices: [{ allow: true, type: 'x' }] }, 'linux.resources.devices[0].type'],
  ['device access', { devices: [{ allow: true, type: 'c', access: 'rwx' }] }, 'linux.resources.devices[0].access'],
  ['hugepage size', { hugepageLimits: [{ pageSize: '2M', limit: 1 }] }, 'linux.resources.hugepageLimits[0].pageSize'],
];
for (const [name, r, field] of bad) {
  test(`translate rejects ${name} naming ${field}`, () => {
    assert.throws(() => translateResources(r, 'v1'), (e: unknown) => isBerthError(e, 'InvalidArgument') && (e as BerthError).message.startsWith(field + ':'));
  });
}

test('translate: unified keys need v2', () => {
  assert.throws(() => translateResources({ unified: { 'memory.high': '1' } }, 'hybrid'), (e) => isBerthError(e, 'InvalidArgument'));
});

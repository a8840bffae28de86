import test from 'node:test';
import assert from 'node:assert/strict';
import { parseMemorySize, cpusToQuota, updateOptionsToResources, translateResources } from '../../src/runtime/cgroups/index.js';
import { isBerthError } from '../../src/errors.js';

test('update options: sizes, --cpus and runc flags become OCI resources', () => {
  assert.equal(parseMemorySize('64m', 'm'), 64 * 1024 * 1024);
  assert.equal(parseMemorySize('1G', 'm'), 1024 ** 3);
  assert.equal(parseMemorySize('512KiB', 'm'), 512 * 1024);
  assert.equal(parseMemorySize('1000', 'm'), 1000);
  assert.equal(parseMemorySize('-1', 'm'), -1);
  assert.deepEqual(cpusToQuota('1.5'), { quota: 150000, period: 100000 });
  assert.deepEqual(updateOptionsToResources({ memory: '64m', memorySwap: '-1', cpus: '0.5', pidsLimit: '100', cpusetCpus: '0' }), {
    memory: { limit: 64 * 1024 * 1024, swap: -1 },
    cpu: { quota: 50000, period: 100000, cpus: '0' },
    pids: { limit: 100 },
  });
  assert.deepEqual(updateOptionsToResources({}), {});
});

test('update options: bad input is InvalidArgument naming the flag', () => {
  const bad: [() => unknown, string][] = [
    [() => parseMemorySize('lots', '--memory'), '--memory'],
    [() => cpusToQuota('-1'), '--cpus'],
    [() => updateOptionsToResources({ pidsLimit: 'x' }), '--pids-limit'],
    [() => updateOptionsToResources({ cpus: '1', cpuQuota: '1000' }), '--cpus'],
    [() => translateResources(updateOptionsToResources({ cpuShares: '1' }), 'v1'), 'linux.resources.cpu.shares'],
  ];
  for (const [fn, flag] of bad) assert.throws(fn, (e) => isBerthError(e, 'InvalidArgument') && (e as Error).message.startsWith(flag), flag);
});

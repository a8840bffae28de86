import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerBlock, ownershipStrategy, parseSubIds, remapMappings, validateMappings } from '../../src/runtime/userns.js';
import { OVERFLOW_ID, planMapping, shiftedOwner, toContainer, toHost } from '../../src/sys/idMapping.js';
import { isBerthError } from '../../src/errors.js';

const SUBUID = '# comment\nberth:100000:65536\nalice:165536:65536\nberth:300000:131072\n1001:500000:65536\n';

test('subordinate id files', () => {
  assert.deepEqual(parseSubIds(SUBUID, 'berth'), [{ start: 100000, count: 65536 }, { start: 300000, count: 131072 }]);
  assert.deepEqual(parseSubIds(SUBUID, 'bob', 1001), [{ start: 500000, count: 65536 }]);
  assert.deepEqual(parseSubIds(SUBUID, 'nobody'), []);
  assert.throws(() => parseSubIds('x:1\n', 'x'), (e: unknown) => isBerthError(e, 'InvalidArgument') && /line 1/.test(e.message));
  assert.throws(() => parseSubIds('x:-5:10\n', 'x'), (e: unknown) => isBerthError(e, 'InvalidArgument') && /bad range/.test(e.message));
});

test('--userns-remap: ranges laid end to end from container id 0', () => {
  const maps = remapMappings(parseSubIds(SUBUID, 'berth'));
  assert.deepEqual(maps, [{ containerID: 0, hostID: 100000, size: 65536 }, { containerID: 65536, hostID: 300000, size: 131072 }]);
  assert.equal(toHost(0, maps), 100000);
  assert.equal(toHost(65536, maps), 300000);
  assert.equal(toHost(65536 + 131072, maps), undefined);
  assert.equal(toContainer(300001, maps), 65537);
  assert.equal(toContainer(0, maps), undefined, 'host root is not root inside');
  assert.equal(planMapping(maps), '0 100000 65536,65536 300000 131072');
  assert.throws(() => remapMappings([]), (e: unknown) => isBerthError(e, 'InvalidArgument'));
});

test('per-container blocks do not share host ids', () => {
  const ranges = parseSubIds(SUBUID, 'berth');
  assert.deepEqual(containerBlock(ranges, 0), [{ containerID: 0, hostID: 100000, size: 65536 }]);
  assert.deepEqual(containerBlock(ranges, 1), [{ containerID: 0, hostID: 300000, size: 65536 }]);
  assert.deepEqual(containerBlock(ranges, 2), [{ containerID: 0, hostID: 365536, size: 65536 }]);
  assert.throws(() => containerBlock(ranges, 3), (e: unknown) => isBerthError(e, 'InvalidArgument') && /exhausted/.test(e.message));
});

test('mappings are checked as the kernel checks them', () => {
  validateMappings([{ containerID: 0, hostID: 100000, size: 65536 }]);
  const bad = [
    [],
    [{ containerID: 0, hostID: 100000, size: 0 }],
    [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 5, hostID: 200000, size: 10 }],
    [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 10, hostID: 100005, size: 10 }],
    [{ containerID: 0, hostID: 0xfffffff0, size: 100 }],
    [{ containerID: -1, hostID: 1, size: 1 }],
  ];
  for (const m of bad) assert.throws(() => validateMappings(m), (e: unknown) => isBerthError(e, 'InvalidArgument'), JSON.stringify(m));
});

test('shifted ownership for a chown\'d rootfs copy', () => {
  const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
  assert.deepEqual(shiftedOwner(0, 0, maps, maps), { uid: 100000, gid: 100000 });
  assert.deepEqual(shiftedOwner(1000, 5, maps, maps), { uid: 101000, gid: 100005 });
  assert.deepEqual(shiftedOwner(70000, 0, maps, maps), { uid: 100000 + OVERFLOW_ID, gid: 100000 }, 'unmapped -> nobody inside');
  assert.deepEqual(shiftedOwner(70000, 0, [{ containerID: 0, hostID: 5000, size: 10 }], maps), { uid: OVERFLOW_ID, gid: 100000 });
});

test('idmapped mounts where the kernel and filesystem allow them, else a chown\'d copy', () => {
  assert.equal(ownershipStrategy('overlay', '6.18.44-fc'), 'idmap');
  assert.equal(ownershipStrategy('overlay', '5.15.0'), 'chown');
  assert.equal(ownershipStrategy('ext4', '5.12.1'), 'idmap');
  assert.equal(ownershipStrategy('tmpfs', '6.1.0'), 'chown');
  assert.equal(ownershipStrategy('nfs', '6.18.0'), 'chown');
});

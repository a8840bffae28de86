import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/errors.js';
import {
  autoConfig, blockCount, firstFreeBlock, sysfsForForeignNetns, freeRangeStart, mappedRoot, mappingKey, parseUsernsMode, planSubIds, remapConfig, shiftedMounts,
  usernsSpec,
} from '../../src/engine/userns.js';
import { makeRecord } from '../../src/engine/makeRecord.js';
import { emptyRunFlags } from '../../src/engine/runFlags.js';
import { buildSpec } from '../../src/engine/buildSpec.js';
import type { UsernsHostConfig } from '../../src/engine/usernsSetup.js';

const invalid = (e: unknown) => isBerthError(e, 'InvalidArgument');

test('--userns values and BERTH_USERNS_REMAP', () => {
  assert.equal(parseUsernsMode(undefined), 'host');
  assert.equal(parseUsernsMode('host', 'default'), 'host', 'the flag wins over the daemon-wide setting, as in Docker');
  assert.equal(parseUsernsMode('remap'), 'remap');
  assert.equal(parseUsernsMode('auto'), 'auto');
  assert.equal(parseUsernsMode(undefined, 'default'), 'remap');
  assert.equal(parseUsernsMode('', ''), 'host');
  assert.throws(() => parseUsernsMode('keep-id'), (e: unknown) => invalid(e) && /invalid --userns value "keep-id"/.test((e as Error).message));
  assert.throws(() => parseUsernsMode(undefined, 'alice'), (e: unknown) => invalid(e) && /BERTH_USERNS_REMAP=alice/.test((e as Error).message));
});

test('new subordinate ranges go past every existing entry, block aligned', () => {
  assert.equal(freeRangeStart(['', '']), 131072);
  assert.equal(freeRangeStart(['alice:100000:65536\n', '']), 196608);
  assert.equal(freeRangeStart(['# x:9999999:1\nalice:100000:65536\n', 'bob:1000000:65536\n']), 1114112);
});

test('planSubIds: existing entries are used, missing ones are added without collisions', () => {
  const have = planSubIds('berth:300000:65536\n', 'berth:400000:65536\n', 'berth', 65536);
  assert.deepEqual(have, { uid: [{ start: 300000, count: 65536 }], gid: [{ start: 400000, count: 65536 }] });
  const fresh = planSubIds('alice:100000:65536\n', 'alice:100000:65536\nbob:165536:65536\n', 'berth', 65536);
  assert.deepEqual(fresh.uid, [{ start: 262144, count: 65536 }]);
  assert.equal(fresh.appendUid, 'berth:262144:65536\n');
  assert.equal(fresh.appendGid, 'berth:262144:65536\n');
  const half = planSubIds('berth:300000:65536\n', '', 'berth', 65536);
  assert.equal(half.appendUid, undefined);
  assert.equal(half.appendGid, 'berth:393216:65536\n');
});

test('remap maps root to the first subordinate id; auto blocks are disjoint', () => {
  const p = planSubIds('berth-auto:196608:262144\n', 'berth-auto:196608:262144\n', 'berth-auto', 262144);
  assert.equal(blockCount(p), 4);
  const a = autoConfig(p, 0);
  const b = autoConfig(p, 3);
  assert.deepEqual(a.uidMappings, [{ containerID: 0, hostID: 196608, size: 65536 }]);
  assert.deepEqual(b.gidMappings, [{ containerID: 0, hostID: 393216, size: 65536 }]);
  assert.notEqual(mappingKey(a), mappingKey(b));
  assert.throws(() => autoConfig(p, 4), (e: unknown) => isBerthError(e) && /exhausted/.test((e as Error).message));
  const r = remapConfig(planSubIds('berth:131072:65536\n', 'berth:131072:65536\n', 'berth', 65536));
  assert.deepEqual(mappedRoot(r), { uid: 131072, gid: 131072 });
  assert.equal(firstFreeBlock([0, 1, 3], 5), 2);
  assert.equal(firstFreeBlock([0, 1], 2), undefined);
});

test('shiftedMounts rewrites only the overlay lower dirs', () => {
  const m = shiftedMounts([{ type: 'overlay', source: 'overlay', options: ['lowerdir=/r/l/AB:/r/l/CD', 'upperdir=/r/s/k/upper', 'workdir=/r/s/k/work', 'index=off'] }], (l) => `/r/shifted/${l.split('/').pop()}`);
  assert.deepEqual(m[0].options, ['lowerdir=/r/shifted/AB:/r/shifted/CD', 'upperdir=/r/s/k/upper', 'workdir=/r/s/k/work', 'index=off']);
});

test('makeRecord keeps UsernsMode; buildSpec adds the user namespace and mappings', () => {
  const flags = { ...emptyRunFlags(), userns: 'auto' };
  const rec = makeRecord({ id: 'a'.repeat(64), name: 'x', imageId: 'sha256:00', imageRef: 'busybox', image: { Cmd: ['sh'] }, command: [], flags, envFiles: [], hostEnv: {} });
  assert.equal((rec.HostConfig as UsernsHostConfig).UsernsMode, 'auto');
  const plain = makeRecord({ id: 'a'.repeat(64), name: 'x', imageId: 'sha256:00', imageRef: 'busybox', image: { Cmd: ['sh'] }, command: [], flags: emptyRunFlags(), envFiles: [], hostEnv: {} });
  assert.equal('UsernsMode' in plain.HostConfig, false, 'the default record is unchanged');
  const env = makeRecord({ id: 'a'.repeat(64), name: 'x', imageId: 'sha256:00', imageRef: 'busybox', image: { Cmd: ['sh'] }, command: [], flags: emptyRunFlags(), envFiles: [], hostEnv: { BERTH_USERNS_REMAP: 'default' } });
  assert.equal((env.HostConfig as UsernsHostConfig).UsernsMode, 'remap');
  assert.throws(() => makeRecord({ id: 'a'.repeat(64), name: 'x', imageId: 'sha256:00', imageRef: 'busybox', image: { Cmd: ['sh'] }, command: [], flags: { ...emptyRunFlags(), userns: 'nope' }, envFiles: [], hostEnv: {} }), invalid);
  const userns = autoConfig(planSubIds('berth-auto:196608:131072\n', 'berth-auto:196608:131072\n', 'berth-auto', 131072), 1);
  const spec = buildSpec(rec, { rootfs: '/r', etcFiles: {}, user: { uid: 0, gid: 0, additionalGids: [] }, device: () => ({ type: 'c', major: 1, minor: 3, mode: 0o666 }), userns });
  assert.ok(spec.linux!.namespaces!.some((n) => n.type === 'user'));
  assert.deepEqual(spec.linux!.uidMappings, [{ containerID: 0, hostID: 262144, size: 65536 }]);
  const host = buildSpec(plain, { rootfs: '/r', etcFiles: {}, user: { uid: 0, gid: 0, additionalGids: [] }, device: () => ({ type: 'c', major: 1, minor: 3, mode: 0o666 }) });
  assert.ok(!host.linux!.namespaces!.some((n) => n.type === 'user'));
  assert.equal(host.linux!.uidMappings, undefined);
  assert.deepEqual(usernsSpec(undefined), { namespaces: [] });
});

test('ownership strategy: forced by BERTH_USERNS_OWNERSHIP, else by the layers\' filesystem and kernel', async () => {
  const { ownershipFor } = await import('../../src/engine/usernsSetup.js');
  const { fsTypeOf } = await import('../../src/sys/idmapMount.js');
  assert.equal(ownershipFor('/nonexistent', { BERTH_USERNS_OWNERSHIP: 'copy' }), 'copy');
  assert.equal(ownershipFor('/nonexistent', { BERTH_USERNS_OWNERSHIP: 'idmap' }), 'idmap');
  assert.throws(() => ownershipFor('/nonexistent', { BERTH_USERNS_OWNERSHIP: 'chown' }), (e: unknown) => invalid(e) && /BERTH_USERNS_OWNERSHIP=chown: use idmap or copy/.test((e as Error).message));
  assert.equal(fsTypeOf('/proc/self'), 'proc');
  assert.ok(fsTypeOf('/').length > 0);
});

test('a joined network namespace: sysfs becomes a read-only bind of /sys', () => {
  const m = sysfsForForeignNetns([{ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'ro'] }, { destination: '/proc', type: 'proc', source: 'proc' }]);
  assert.deepEqual(m[0], { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  assert.equal(m[1].type, 'proc');
});

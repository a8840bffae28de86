import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerView, ownersIn, ownersOut } from '../../src/engine/copyOwners.js';
import { splitCpArg } from '../../src/cli/container/cp.js';

const m = { uidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 300000, size: 65536 }] };

test('into a container: source owners kept; -a: the container user; --userns shifts to the host range', () => {
  assert.deepEqual(ownersIn({}, undefined, undefined)(1234, 5), { uid: 1234, gid: 5 });
  assert.deepEqual(ownersIn({ archive: true }, undefined, undefined)(1234, 5), { uid: 1234, gid: 5 }, 'no configured user: as without -a');
  assert.deepEqual(ownersIn({ archive: true }, { uid: 1000, gid: 1001 }, undefined)(1234, 5), { uid: 1000, gid: 1001 });
  assert.deepEqual(ownersIn({}, undefined, m)(0, 0), { uid: 200000, gid: 300000 });
  assert.deepEqual(ownersIn({ archive: true }, { uid: 1000, gid: 1000 }, m)(0, 0), { uid: 201000, gid: 301000 });
  assert.deepEqual(ownersIn({}, undefined, m)(70000, 0), { uid: 200000 + 65534, gid: 300000 }, 'outside the range: the overflow id');
});

test('out of a container: the caller, or with -a what the container sees', () => {
  const caller = { uid: 7, gid: 8 };
  assert.deepEqual(ownersOut({}, m, caller)(201000, 301000), caller);
  assert.deepEqual(ownersOut({ archive: true }, undefined, caller)(42, 43), { uid: 42, gid: 43 });
  assert.deepEqual(ownersOut({ archive: true }, m, caller)(201000, 301000), { uid: 1000, gid: 1000 });
  assert.deepEqual(containerView(m)(5, 6), { uid: 5, gid: 6 }, 'unshifted (lower layer) ids stay');
});

test('cp arguments: Docker\'s split of CONTAINER:PATH', () => {
  assert.deepEqual(splitCpArg('c1:/etc/passwd'), { container: 'c1', path: '/etc/passwd' });
  assert.deepEqual(splitCpArg('c1:'), { container: 'c1', path: '' });
  assert.equal(splitCpArg('/abs:colon'), undefined);
  assert.equal(splitCpArg('./rel:colon'), undefined);
  assert.equal(splitCpArg('plain'), undefined);
  assert.equal(splitCpArg('-'), undefined);
});

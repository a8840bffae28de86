import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DetachScanner, parseDetachKeys } from '../../src/engine/detachKeys.js';
import { detachKeys } from '../../src/api/detach.js';

test('DetachScanner: the sequence detaches and is never forwarded; a broken prefix is forwarded', () => {
  const s = new DetachScanner(parseDetachKeys('ctrl-p,ctrl-q'));
  assert.deepEqual([...s.push(Buffer.from('ab\x10c'))], [...Buffer.from('ab\x10c')]);
  assert.equal(s.detached, false);
  assert.deepEqual([...s.push(Buffer.from('x\x10'))], [...Buffer.from('x')], 'a prefix at the end is held');
  assert.deepEqual([...s.push(Buffer.from('\x10'))], [0x10], 'p p: the first p goes, the second is held');
  assert.deepEqual([...s.push(Buffer.from('\x11tail'))], []);
  assert.equal(s.detached, true);
  assert.equal(s.push(Buffer.from('more')).length, 0);
  const one = new DetachScanner([1]);
  assert.deepEqual([...one.push(Buffer.from('a\x01b'))], [...Buffer.from('a')]);
  assert.equal(one.detached, true);
});

test('API detach keys: Docker default, a custom one, a bad one is a 400', () => {
  assert.deepEqual(detachKeys(undefined), [16, 17]);
  assert.deepEqual(detachKeys(''), [16, 17]);
  assert.deepEqual(detachKeys('ctrl-a,b'), [1, 98]);
  assert.throws(() => detachKeys('ctrl-1'), (e: { status?: number; message: string }) => e.status === 400 && /Invalid detach keys \(ctrl-1\) provided/.test(e.message));
});

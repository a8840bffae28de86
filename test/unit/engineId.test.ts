import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { engineId } from '../../src/engine/engineId.js';
import { createFileOnce } from '../../src/sys/atomicWrite.js';
import { tmpDir } from '../helpers.js';

test('engineId: a UUID made once per root, kept in <root>/engine-id', (t) => {
  const root = tmpDir('berth-id-');
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const id = engineId(path.join(root, 'r'));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(engineId(path.join(root, 'r')), id);
  assert.equal(fs.readFileSync(path.join(root, 'r', 'engine-id'), 'utf8'), `${id}\n`);
  assert.notEqual(engineId(path.join(root, 'other')), id);
  assert.deepEqual(fs.readdirSync(path.join(root, 'r')), ['engine-id'], 'no temp file left');
});

test('createFileOnce: the first writer wins, a later one gets its content', (t) => {
  const dir = tmpDir('berth-once-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'x');
  assert.equal(createFileOnce(f, 'first\n'), 'first\n');
  assert.equal(createFileOnce(f, 'second\n'), 'first\n');
  assert.equal(fs.readFileSync(f, 'utf8'), 'first\n');
  assert.deepEqual(fs.readdirSync(dir), ['x']);
});

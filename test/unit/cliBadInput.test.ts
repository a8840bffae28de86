/** Bad input stops the CLI with one line: detach keys checked as flags, -D only before the verb, a failed start-up. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { debugRequested } from '../../src/cli/main.js';
import { parseDetachKeys } from '../../src/engine/detachKeys.js';
import { berthBin, tmpDir } from '../helpers.js';

test('detach keys: Docker\'s forms, and its message for anything else', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17]);
  assert.deepEqual(parseDetachKeys('ctrl-@,a,ctrl-['), [0, 97, 27]);
  for (const bad of ['bogus', 'ctrl-zz', 'ctrl-p,', '']) assert.throws(() => parseDetachKeys(bad), new RegExp(`^Error: Invalid detach keys \\(${bad.replace(/[[\]]/g, '\\$&')}\\) provided$`));
});

test('-D turns on stack traces only as a global option, before the verb', () => {
  assert.equal(debugRequested(['-D', 'ps']), true);
  assert.equal(debugRequested(['--root', '/tmp/r', '--debug', 'run', 'busybox']), true);
  assert.equal(debugRequested(['run', 'busybox', 'ls', '-D']), false);
  assert.equal(debugRequested(['--root', '-D', 'ps']), false, "--root's value is not a flag");
  assert.equal(debugRequested(['exec', '-D']), false);
});

test('a failure while the CLI loads is one line and exit 1; with -D the stack follows', () => {
  // A copy of bin/berth.js beside a bundle that throws as it loads.
  const dir = tmpDir('berth-badstart-');
  try {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
    fs.copyFileSync(berthBin, path.join(dir, 'bin', 'berth.js'));
    fs.writeFileSync(path.join(dir, 'dist', 'cli', 'berth.cjs'), "throw new Error('the bundle is damaged');\n");
    const bin = path.join(dir, 'bin', 'berth.js');
    const r = spawnSync(process.execPath, [bin, 'ps'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'berth: the bundle is damaged\n');
    const d = spawnSync(process.execPath, [bin, '-D', 'ps'], { encoding: 'utf8' });
    assert.equal(d.status, 1);
    assert.match(d.stderr, /^berth: the bundle is damaged\nError: the bundle is damaged\n\s+at /);
    const inCommand = spawnSync(process.execPath, [bin, 'run', 'busybox', 'ls', '-D'], { encoding: 'utf8' });
    assert.equal(inCommand.stderr, 'berth: the bundle is damaged\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

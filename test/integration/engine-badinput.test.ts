/**
 * Bad input never starts anything (issue 12 item 4): --detach-keys is checked when the flag
 * is parsed (run, start, attach, exec: exit 125, one line, no container), and -D inside the
 * container's command is the container's, not berth's debug switch.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';

const BAD_KEYS = /^berth: invalid argument "bogus" for "--detach-keys" flag: invalid detach key "bogus" .*\n$/;

describe('engine: bad input stops before anything starts', requiresRoot, () => {
  const e = new Engine('berth-badinput-');
  before(() => e.init());
  after(() => e.cleanup());

  test('run -it --detach-keys bogus: 125, one line, no container', () => {
    const r = e.run(['run', '-it', '--detach-keys', 'bogus', 'busybox', 'sh']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, BAD_KEYS);
    assert.equal(e.ok(['ps', '-aq']), '');
    assert.deepEqual(e.containerDirs(), []);
  });

  test('start, attach, exec --detach-keys bogus: 125 at flag parsing, before the container is looked up', () => {
    for (const args of [['start', '-ai', '--detach-keys', 'bogus', 'nosuch'], ['attach', '--detach-keys', 'bogus', 'nosuch'], ['exec', '-it', '--detach-keys', 'bogus', 'nosuch', 'sh']]) {
      const r = e.run(args);
      assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, BAD_KEYS, args.join(' '));
    }
  });

  test('valid detach keys are accepted', () => {
    assert.equal(e.ok(['run', '--rm', '--network', 'none', '--detach-keys', 'ctrl-a,x', 'busybox', 'echo', 'ok']), 'ok');
  });

  test('run busybox echo -D: the container gets -D; berth\'s debug stays off', () => {
    const r = e.run(['run', '--name', 'dbg', '--network', 'none', 'busybox', 'echo', '-D']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '-D\n');
    // The same again fails (the name is taken): one line, no stack, as without -D.
    const again = e.run(['run', '--name', 'dbg', '--network', 'none', 'busybox', 'echo', '-D']);
    assert.equal(again.code, 125);
    assert.equal(again.stderr.split('\n').length, 2, `one line: ${again.stderr}`);
    // -D before the verb is berth's: the stack follows the line.
    const debug = e.run(['-D', 'run', '--name', 'dbg', '--network', 'none', 'busybox', 'echo', '-D']);
    assert.equal(debug.code, 125);
    assert.match(debug.stderr, /^berth: .*\n\S*Error.*\n\s+at /);
    e.ok(['rm', 'dbg']);
  });
});

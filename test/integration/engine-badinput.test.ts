/** Bad flags never start anything: the CLI refuses them (125) before a container exists. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';

describe('engine: bad input starts nothing', requiresRoot, () => {
  const e = new Engine('berth-badinput-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test('run/create -it --detach-keys bogus: exit 125, one line, no container', () => {
    for (const verb of ['run', 'create']) {
      const r = e.run([verb, '-it', '--detach-keys', 'bogus', 'busybox', 'sh']);
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /^berth: .*Invalid detach keys \(bogus\) provided\n$/);
      assert.equal(r.stdout, '');
      assert.equal(e.ok(['ps', '-aq']), '');
      assert.deepEqual(e.containerDirs(), []);
    }
  });

  test('attach --detach-keys ctrl-zz: exit 125 before looking for the container', () => {
    const r = e.run(['attach', '--detach-keys', 'ctrl-zz', 'nosuch']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^berth: .*Invalid detach keys \(ctrl-zz\) provided\n$/);
  });

  test('-D inside the container\'s command line is the command\'s: no stack trace from berth', () => {
    const r = e.run(['run', '--rm', '--network', 'none', 'busybox', 'echo', '-D']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '-D\n');
    const bad = e.run(['run', '--rm', '--network', 'none', 'nosuch-image', 'ls', '-D']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.split('\n').filter(Boolean).length, 1, bad.stderr);
  });
});

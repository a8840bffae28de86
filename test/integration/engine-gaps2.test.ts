/**
 * Docker-compatibility gaps found by a fresh-eyes CLI test: HOME from passwd, relative bind
 * sources, top's ps options, --cidfile/--label-file, system prune's networks, exec's TTY
 * check and 126, small wording nits, bridges of removed roots.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';

describe('engine gaps 2', requiresRoot, () => {
  const e = new Engine('berth-gaps2-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test('HOME comes from the user\'s passwd entry (run and exec), not shown in inspect', () => {
    assert.equal(e.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo $HOME']), '/root');
    assert.equal(e.ok(['run', '--rm', '--network', 'none', '-u', '4321', 'busybox', 'sh', '-c', 'echo $HOME']), '/');
    assert.equal(e.ok(['run', '--rm', '--network', 'none', '-e', 'HOME=/x', 'busybox', 'sh', '-c', 'echo $HOME']), '/x');
    e.ok(['run', '-d', '--name', 'home', '--network', 'none', 'busybox', 'sleep', '1000']);
    assert.equal(e.ok(['exec', 'home', 'sh', '-c', 'echo $HOME']), '/root');
    assert.equal(e.ok(['exec', '-u', 'nobody', 'home', 'sh', '-c', 'echo $HOME']), '/nonexistent');
    assert.equal(e.ok(['exec', '-e', 'HOME=/y', 'home', 'sh', '-c', 'echo $HOME']), '/y');
    assert.ok(!e.inspect('home').Config.Env.some((v: string) => v.startsWith('HOME=')));
    e.ok(['rm', '-f', 'home']);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { requiresRoot } from '../helpers.js';
import { hostModeFiles, parseNetworkMode, needsOwnNetns } from '../../src/network/index.js';
import { Netns } from './networkHarness.js';

test('none: a fresh netns has only lo, and berth attaches nothing', requiresRoot, (t) => {
  const ns = new Netns();
  t.after(() => ns.cleanup());
  assert.ok(needsOwnNetns(parseNetworkMode('none')));
  const links = ns.exec(['ip', '-o', 'link']).out.trim().split('\n').map((l) => l.split(':')[1].trim());
  assert.deepEqual(links, ['lo']);
});

test('host: no netns of its own; /etc files are the host\'s', requiresRoot, () => {
  assert.ok(!needsOwnNetns(parseNetworkMode('host')));
  const f = hostModeFiles();
  assert.equal(f.resolvConf, fs.readFileSync('/etc/resolv.conf', 'utf8'));
  assert.equal(f.hostname, fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() + '\n');
});

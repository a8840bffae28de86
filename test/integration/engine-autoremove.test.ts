/** `run -d --rm`: the monitor removes the container when it ends — no daemon, no later `ps` needed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requiresRoot } from '../helpers.js';
import { Engine, until } from './engineHarness.js';

test('run -d --rm is removed by its monitor once it exits', requiresRoot, async (t) => {
  const e = await new Engine().init();
  t.after(() => e.cleanup());
  const id = e.ok(['run', '-d', '--rm', 'busybox', 'sh', '-c', 'sleep 0.3']);
  assert.match(id, /^[0-9a-f]{64}$/);
  await until(() => e.containerDirs().length === 0, 20_000);
  assert.deepEqual(e.containerDirs(), []);
});

/** `start -i` / `start -ai`: stdin reaches a container created with -i; the exit code comes back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requiresRoot } from '../helpers.js';
import { Engine } from './engineHarness.js';

test('start -ai feeds stdin and returns the exit code', requiresRoot, async (t) => {
  const e = await new Engine().init();
  t.after(() => e.cleanup());
  e.ok(['create', '-i', '--network', 'none', '--name', 'si', 'busybox', 'sh', '-c', 'read a; echo "got:$a"; exit 4']);
  const r = e.run(['start', '-ai', 'si'], 'hello\n');
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout, 'got:hello\n');
  const again = e.run(['start', '-i', 'si'], 'again\n');
  assert.equal(again.code, 4);
  assert.equal(again.stdout, 'got:again\n');
});

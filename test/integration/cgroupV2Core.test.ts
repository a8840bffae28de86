import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { Cgroup, detectCgroupLayout, type CgroupLayout } from '../../src/runtime/cgroups/index.js';
import { sleep, spawnHeld, waitFor } from './cgroupHarness.js';

// On a hybrid host the v2 backend's core (cgroup.procs, cgroup.freeze/events,
// cgroup.kill, cpu.stat, rmdir) still runs on a real cgroup2 hierarchy: treat
// berth's own directory on it as the root of a pure-v2 layout. (A pure v2 host
// runs every other cgroup*.test.ts on v2 directly.)
const host = detectCgroupLayout();
const skip = requiresRoot.skip ?? (host.mode !== 'hybrid' ? 'only for hybrid hosts (v2 hosts run the full suite on v2)' : undefined);

/** A pure-v2 layout rooted at berth's directory on the host's cgroup2 mount; `cleanup` removes it if we made it. */
function v2Layout(): { layout: CgroupLayout; cleanup: () => void } {
  const root = path.join(host.unified as string, 'berth');
  const made = !fs.existsSync(root);
  fs.mkdirSync(root, { recursive: true });
  const cleanup = () => {
    if (!made) return;
    try {
      fs.rmdirSync(root);
    } catch {
      // someone else's cgroup lives there now
    }
  };
  const controllers = fs.readFileSync(path.join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
  return { layout: { mode: 'v2', root, v1: {}, unified: root, unifiedControllers: controllers }, cleanup };
}

test('cgroup v2 core on the real cgroup2 hierarchy: placement, cpu.stat, freeze, kill, destroy', { skip }, async (t) => {
  const { layout, cleanup } = v2Layout();
  const cg = Cgroup.create(layout, `test-${crypto.randomBytes(4).toString('hex')}`);
  t.after(() => {
    cg.destroy();
    cleanup();
  });
  assert.deepEqual(cg.dirs(), [path.join(layout.root, cg.relPath)]);

  const busy = spawnHeld(t, 'while :; do :; done');
  cg.addPid(busy.pid);
  busy.release();
  assert.deepEqual(cg.pids(), [busy.pid]);
  await waitFor('cpu.stat usage', () => cg.stats().cpu.usageNs > 0);

  cg.freeze();
  assert.equal(cg.isFrozen(), true);
  const frozenAt = cg.stats().cpu.usageNs;
  await sleep(300);
  assert.equal(cg.stats().cpu.usageNs, frozenAt);
  cg.thaw();
  await waitFor('the loop to resume', () => cg.stats().cpu.usageNs > frozenAt);

  cg.destroy();
  assert.equal((await busy.exited).signal, 'SIGKILL');
  assert.equal(fs.existsSync(cg.dirs()[0]), false);
});

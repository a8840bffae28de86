/** Concurrent berth commands and a CLI killed half-way never leave a corrupt state. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { berthBin, requiresRoot } from '../helpers.js';
import { Engine, until } from './engineHarness.js';

describe('engine: concurrency and crashes', requiresRoot, () => {
  const e = new Engine();
  before(() => e.init());
  after(() => e.cleanup());

  test('20 parallel run -d plus ps loops finish with 20 correct containers', async () => {
    let stop = false;
    const psLoops = [0, 1].map(async () => {
      let n = 0;
      while (!stop) {
        const r = await e.runAsync(['ps', '-a', '--format', '{{.ID}} {{.Status}}']);
        assert.equal(r.code, 0, r.stderr);
        n++;
      }
      return n;
    });
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => e.runAsync(['run', '-d', '--name', `par${i}`, '-l', 'par=1', 'busybox', 'sleep', '1000'])));
    stop = true;
    await Promise.all(psLoops);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const ids = new Set(runs.map((r) => r.stdout.trim()));
    assert.equal(ids.size, 20);
    const listed = e.ok(['ps', '--filter', 'label=par=1', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.State}}']).split('\n');
    assert.equal(listed.length, 20);
    for (const l of listed) {
      const [id, name, state] = l.split(' ');
      assert.ok(ids.has(id));
      assert.match(name, /^par\d+$/);
      assert.equal(state, 'running');
    }
    // and a parallel rm -f of all of them
    const rms = await Promise.all([...ids].map((id) => e.runAsync(['rm', '-f', id])));
    for (const r of rms) assert.equal(r.code, 0, r.stderr);
    assert.equal(e.ok(['ps', '-aq', '--filter', 'label=par=1']), '');
  });

  test('two runs racing for one name: exactly one wins', async () => {
    const rs = await Promise.all([0, 1, 2, 3].map(() => e.runAsync(['create', '--name', 'race', 'busybox', 'true'])));
    assert.equal(rs.filter((r) => r.code === 0).length, 1);
    for (const r of rs.filter((x) => x.code !== 0)) assert.match(r.stderr, /already in use/);
    e.ok(['rm', 'race']);
  });

  /** Start a berth command and SIGKILL it once `ready()` holds (or it ends). */
  async function killDuring(args: string[], ready: () => boolean): Promise<void> {
    const c = spawn(process.execPath, [berthBin, '--root', e.root, ...args], { stdio: 'ignore' });
    const done = new Promise((r) => c.on('exit', r));
    let exited = false;
    void done.then(() => (exited = true));
    await until(() => exited || ready(), 30_000);
    if (!exited) c.kill('SIGKILL');
    await done;
  }

  test('SIGKILL of the CLI during run -d and during rm leaves a consistent state', async () => {
    const containers = () => e.containerDirs().length;
    // Kill at several points of run -d: record written, snapshot made, runtime state made.
    const base = containers();
    await killDuring(['run', '-d', '--name', 'k1', 'busybox', 'sleep', '1000'], () => containers() > base);
    await killDuring(['run', '-d', '--name', 'k2', 'busybox', 'sleep', '1000'], () => fs.existsSync(path.join(e.root, 'runtime')) && fs.readdirSync(path.join(e.root, 'runtime')).length > 0);
    await killDuring(['run', '-d', '--name', 'k3', 'busybox', 'sleep', '1000'], () => false);
    // Every container listed is either running or not, and can be removed; names come back.
    for (const name of ['k1', 'k2', 'k3']) {
      const r = e.run(['inspect', '-f', '{{.State.Status}}', name]);
      if (r.code === 0) assert.match(r.stdout.trim(), /^(created|running|exited)$/);
    }
    // rm killed half-way, then finished by another rm
    const id = e.ok(['run', '-d', '--name', 'k4', 'busybox', 'sleep', '1000']);
    await killDuring(['rm', '-f', 'k4'], () => !fs.existsSync(path.join(e.root, 'runtime', id, 'state.json')));
    const left = e.ok(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
    if (left.length) e.ok(['rm', '-f', ...left]);
    assert.equal(e.ok(['ps', '-aq']), '');
    assert.deepEqual(e.containerDirs(), []);
    for (const name of ['k1', 'k2', 'k3', 'k4']) {
      e.ok(['create', '--name', name, 'busybox', 'true']);
      e.ok(['rm', name]);
    }
  });
});

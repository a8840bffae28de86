/**
 * The engine end to end on whatever cgroup layout the host has: run (output, exit code),
 * an OOM kill under -m, --cpus, stats, update -m, pause/unpause. Each limit is read back
 * from the container's cgroup files: cgroup v2's (memory.max, cpu.max, cgroup.freeze) where
 * the probe puts that controller on v2, v1's (memory.limit_in_bytes, cpu.cfs_*, freezer.state)
 * where on v1. The cgroup v2 VM step of CI runs it (scripts/vm/run-v2.sh ... engineV2), and
 * the main suite runs it on the development machine's hybrid layout.
 * Every container uses --network none: the VM's kernel has no bridge or netfilter modules.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isRoot, requiresRoot } from '../helpers.js';
import { hostSupport } from '../../src/engine/hostSupport.js';
import { Cgroup, type CgroupLayout } from '../../src/runtime/cgroups/index.js';
import { Engine } from './engineHarness.js';

const host = isRoot ? hostSupport() : undefined;
/** Where the probe says a controller lives on this host ('v1' | 'v2'), or undefined. */
const where = (c: string) => host?.controllers[c];
const MiB = 1024 * 1024;

describe('engine on the host\'s cgroup layout (v2 files on v2, v1 files on v1)', requiresRoot, () => {
  const e = new Engine('berth-enginev2-');
  before(() => e.init());
  after(() => e.cleanup());

  /** A running container's cgroup file for `controller` (its own directory on that hierarchy). */
  function cgroupFile(id: string, controller: string, file: string): string {
    const st = JSON.parse(fs.readFileSync(path.join(e.root, 'runtime', id, 'state.json'), 'utf8')) as { cgroupPath?: string; cgroupLayout?: CgroupLayout };
    assert.ok(st.cgroupPath && st.cgroupLayout, `no cgroup recorded for ${id}`);
    const dir = Cgroup.open(st.cgroupLayout, st.cgroupPath).dirFor(controller);
    assert.ok(dir, `the host has no ${controller} controller for berth (probe: ${JSON.stringify(host?.controllers)})`);
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  }

  test('the probe finds the controllers these tests read', () => {
    for (const c of ['memory', 'cpu', 'freezer']) assert.ok(where(c), `controller ${c}: ${JSON.stringify(host?.controllers)}`);
    if (host!.layout.mode === 'v2') assert.ok(fs.existsSync('/sys/fs/cgroup/cgroup.controllers'), 'v2: /sys/fs/cgroup is the cgroup2 root');
  });

  test('run: output on stdout and stderr, the exit code', () => {
    const r = e.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test('run -m 32m: a process over the limit is OOM-killed (exit 137, State.OOMKilled)', () => {
    // dd fills one 128 MiB buffer from /dev/zero: every page is touched, past the limit (and its swap).
    const r = e.run(['run', '--name', 'oom', '--network', 'none', '-m', '32m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1']);
    assert.equal(r.code, 137, r.stderr);
    const st = e.inspect('oom').State;
    assert.equal(st.OOMKilled, true);
    assert.equal(st.ExitCode, 137);
    e.ok(['rm', 'oom']);
  });

  describe('a running container with -m 64m --cpus 0.5', () => {
    let id = '';
    before(() => {
      id = e.ok(['run', '-d', '--name', 'lim', '--network', 'none', '-m', '64m', '--cpus', '0.5', 'busybox', 'sleep', '100000']);
    });
    after(() => void e.run(['rm', '-f', 'lim']));

    test('--cpus 0.5: half of each period', () => {
      if (where('cpu') === 'v2') assert.equal(cgroupFile(id, 'cpu', 'cpu.max'), '50000 100000');
      else assert.deepEqual([cgroupFile(id, 'cpu', 'cpu.cfs_quota_us'), cgroupFile(id, 'cpu', 'cpu.cfs_period_us')], ['50000', '100000']);
    });

    test('-m 64m is the cgroup\'s limit, and stats --no-stream shows usage / limit', () => {
      assert.equal(cgroupFile(id, 'memory', where('memory') === 'v2' ? 'memory.max' : 'memory.limit_in_bytes'), String(64 * MiB));
      const stats = e.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', 'lim']);
      const m = /^lim ([\d.]+)([KMG]i?B|B) \/ 64MiB$/.exec(stats);
      assert.ok(m, `stats: ${stats}`);
      assert.ok(Number(m[1]) > 0, `a running shell uses some memory: ${stats}`);
    });

    test('update -m changes the live limit and the record', () => {
      e.ok(['update', '-m', '48m', 'lim']);
      assert.equal(cgroupFile(id, 'memory', where('memory') === 'v2' ? 'memory.max' : 'memory.limit_in_bytes'), String(48 * MiB));
      assert.equal(e.inspect('lim').HostConfig.Memory, 48 * MiB);
      assert.match(e.ok(['stats', '--no-stream', '--format', '{{.MemUsage}}', 'lim']), / \/ 48MiB$/);
    });

    test('pause freezes the cgroup (State.Paused, ps "(Paused)"); unpause thaws it', () => {
      const frozen = () => (where('freezer') === 'v2'
        ? [cgroupFile(id, 'freezer', 'cgroup.freeze'), /^frozen (\d)$/m.exec(cgroupFile(id, 'freezer', 'cgroup.events'))?.[1]]
        : [cgroupFile(id, 'freezer', 'freezer.state')]);
      e.ok(['pause', 'lim']);
      assert.deepEqual(frozen(), where('freezer') === 'v2' ? ['1', '1'] : ['FROZEN']);
      const paused = e.inspect('lim').State;
      assert.equal(paused.Paused, true);
      assert.equal(paused.Status, 'paused');
      assert.match(e.ok(['ps', '--filter', 'name=lim', '--format', '{{.Status}}']), /\(Paused\)$/);
      e.ok(['unpause', 'lim']);
      assert.deepEqual(frozen(), where('freezer') === 'v2' ? ['0', '0'] : ['THAWED']);
      const running = e.inspect('lim').State;
      assert.equal(running.Paused, false);
      assert.equal(running.Status, 'running');
      assert.match(e.ok(['ps', '--filter', 'name=lim', '--format', '{{.Status}}']), /^Up /);
    });
  });
});

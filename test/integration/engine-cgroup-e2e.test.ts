/**
 * The engine end to end on whatever cgroup layout the host has: run, -m with a real OOM kill,
 * --cpus, stats, update, pause. Each assertion reads the kernel's own files in the layout the
 * probe reports — cgroup v2 (memory.max, cpu.max, cgroup.freeze) or v1 (memory.limit_in_bytes,
 * cpu.cfs_quota_us, freezer.state) — so the same file proves both: CI runs it on this host and
 * again inside the cgroup-v2 VM (scripts/vm/run-v2.sh, selected by its name "cgroup"), where the
 * v2-only tunables test at the end runs too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { blockDevice, isRoot, requiresRoot } from '../helpers.js';
import { hostSupport } from '../../src/engine/hostSupport.js';
import { Engine } from './engineHarness.js';

const host = isRoot ? hostSupport() : undefined;
const layout = host?.layout;
const onV2 = layout?.mode === 'v2';

/** A container's control file: on v2 in the unified tree, on v1 in the hierarchy of `ctrl`. */
function cgFile(id: string, ctrl: string, v2File: string, v1File: string): string {
  if (onV2) return path.join(layout!.root, 'berth', id, v2File);
  const mount = layout!.v1[ctrl];
  assert.ok(mount, `the probe reports no v1 hierarchy for ${ctrl}`);
  return path.join(mount, 'berth', id, v1File);
}
const read = (f: string) => fs.readFileSync(f, 'utf8').trim();

describe(`engine on this host's cgroups (${layout?.mode ?? 'not probed'})`, requiresRoot, () => {
  const e = new Engine('berth-cg-e2e-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test('run: output and exit code', () => {
    const r = e.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo hello; exit 3']);
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.code, 3);
  });

  test('-m: the kernel enforces the limit and OOM-kills past it (exit 137, State.OOMKilled)', { skip: host && !host.controllers.memory ? 'no memory controller' : false }, () => {
    const r = e.run(['run', '--name', 'oom2e', '--network', 'none', '-m', '32m', '--memory-swap', '32m', 'busybox', 'sh', '-c', 'tail /dev/zero']);
    assert.equal(r.code, 137, r.stderr);
    const st = e.inspect('oom2e').State;
    assert.equal(st.OOMKilled, true);
    assert.equal(st.ExitCode, 137);
    e.ok(['rm', 'oom2e']);
  });

  test('--cpus, stats, update -m, pause/unpause: in the kernel files and in what berth reports', () => {
    const id = e.ok(['run', '-d', '--name', 'tun2e', '--network', 'none', '-m', '64m', '--cpus', '0.5', 'busybox', 'sleep', '1000']);
    if (host?.controllers.cpu) {
      if (onV2) assert.equal(read(cgFile(id, 'cpu', 'cpu.max', '')), '50000 100000');
      else {
        assert.equal(read(cgFile(id, 'cpu', '', 'cpu.cfs_quota_us')), '50000');
        assert.equal(read(cgFile(id, 'cpu', '', 'cpu.cfs_period_us')), '100000');
      }
    }
    const mem = () => read(cgFile(id, 'memory', 'memory.max', 'memory.limit_in_bytes'));
    assert.equal(mem(), String(64 << 20));
    assert.match(e.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', 'tun2e']), /^tun2e \d[\d.]*[KMG]?i?B \/ 64MiB$/);

    e.ok(['update', '-m', '96m', '--memory-swap', '192m', 'tun2e']);
    assert.equal(mem(), String(96 << 20));
    assert.equal(e.inspect('tun2e').HostConfig.Memory, 96 << 20);
    assert.match(e.ok(['stats', '--no-stream', '--format', '{{.MemUsage}}', 'tun2e']), / \/ 96MiB$/);

    e.ok(['pause', 'tun2e']);
    if (onV2) assert.equal(read(cgFile(id, 'freezer', 'cgroup.freeze', '')), '1');
    else assert.equal(read(cgFile(id, 'freezer', '', 'freezer.state')), 'FROZEN');
    assert.equal(e.inspect('tun2e').State.Status, 'paused');
    assert.match(e.ok(['ps', '--filter', 'name=tun2e', '--format', '{{.Status}}']), /\(Paused\)$/);
    e.ok(['unpause', 'tun2e']);
    if (onV2) assert.equal(read(cgFile(id, 'freezer', 'cgroup.freeze', '')), '0');
    else assert.equal(read(cgFile(id, 'freezer', '', 'freezer.state')), 'THAWED');
    assert.equal(e.inspect('tun2e').State.Status, 'running');
    e.ok(['rm', '-f', 'tun2e']);
    assert.ok(!fs.existsSync(path.dirname(cgFile(id, 'memory', 'memory.max', 'memory.limit_in_bytes'))), 'rm removes the cgroup');
  });
});

const v2 = host?.layout.mode === 'v2' && host.controllers.io === 'v2';

describe('tunables on a cgroup v2 host (dockerd\'s warnings for what v2 lacks)', { skip: v2 ? false : 'needs a cgroup2-only host with the io controller (scripts/vm/run-v2.sh)' }, () => {
  const e = new Engine('berth-cg-v2-');
  before(async () => {
    await e.init();
  });
  after(() => e.cleanup());

  test('swappiness and the OOM switch are discarded with dockerd\'s warnings; IOPS limits land in io.max', () => {
    const dev = blockDevice();
    const r = e.run(['run', '-d', '--network', 'none', '--memory-swappiness', '10', '--oom-kill-disable',
      '--device-read-iops', `${dev.path}:300`, '--device-write-iops', `${dev.path}:200`, 'busybox', 'sleep', '1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, [
      "WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.",
      'WARNING: Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.',
      'WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded.',
      '',
    ].join('\n'));
    const id = r.stdout.trim();
    const hc = e.inspect(id).HostConfig;
    assert.equal(hc.MemorySwappiness, null);
    assert.equal(hc.OomKillDisable, false);
    const ioMax = fs.readFileSync(path.join('/sys/fs/cgroup/berth', id, 'io.max'), 'utf8');
    assert.match(ioMax, new RegExp(`^${dev.num} .*riops=300 wiops=200`, 'm'));
    e.ok(['rm', '-f', id]);
  });
});

/**
 * bin/berth-runtime against Debian's runc on the same bundle: the command line and the JSON that
 * containerd's runc shim (go-runc) drives and parses, verb by verb.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectDir, requiresRoot, until } from '../helpers.js';
import { cleanupBundle, makeBundle } from '../runtimeHelpers.js';

const BERTH_RUNTIME = path.join(projectDir, 'bin', 'berth-runtime');
const hasRunc = spawnSync('runc', ['--version']).status === 0;

describe('berth-runtime speaks runc\'s command line', hasRunc ? requiresRoot : { skip: 'runc is not installed (apt-get install runc)' }, () => {
  const b = makeBundle((s) => {
    s.process!.args = ['sh', '-c', 'while true; do sleep 0.05; done'];
    s.linux!.cgroupsPath = 'berth/rt-runc-cmp';
  });
  const runtimes = { runc: 'runc', berth: BERTH_RUNTIME } as const;
  type Name = keyof typeof runtimes;
  const names = Object.keys(runtimes) as Name[];
  const root = (n: Name) => path.join(b.dir, `root-${n}`);
  const log = (n: Name) => path.join(b.dir, `log-${n}.json`);
  /** Run one runtime: stdio in files (a created container keeps them, as under the shim). */
  const run = (n: Name, args: string[], input = '') => {
    const out = path.join(b.dir, `${n}.out`), err = path.join(b.dir, `${n}.err`);
    const fo = fs.openSync(out, 'w'), fe = fs.openSync(err, 'w');
    try {
      const r = spawnSync(runtimes[n], ['--root', root(n), '--log', log(n), '--log-format', 'json', ...args], { cwd: b.dir, stdio: ['pipe', fo, fe], input, timeout: 30_000 });
      return { status: r.status, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
    } finally {
      fs.closeSync(fo);
      fs.closeSync(fe);
    }
  };
  const state = (n: Name, id: string) => JSON.parse(run(n, ['state', id]).stdout);
  const both = <T>(f: (n: Name) => T): Record<Name, T> => ({ runc: f('runc'), berth: f('berth') });
  after(() => {
    for (const n of names) run(n, ['delete', '--force', 'cmp']);
    cleanupBundle(b);
  });

  test('create, state, ps, pause/resume, events --stats, exec --process --detach, kill, delete', async () => {
    const pidFile = (n: Name) => path.join(b.dir, `pid-${n}`);
    for (const n of names) {
      const r = run(n, ['create', '--bundle', b.dir, '--pid-file', pidFile(n), 'cmp']);
      assert.equal(r.status, 0, `${n}: ${r.stderr}`);
      // runc shares the cgroup path: one at a time through the first half
      const s = state(n, 'cmp');
      assert.equal(s.status, 'created', n);
      assert.equal(Number(fs.readFileSync(pidFile(n), 'utf8')), s.pid, `${n}: --pid-file`);
      assert.deepEqual(Object.keys(s).sort(), ['bundle', 'created', 'id', 'ociVersion', 'owner', 'pid', 'rootfs', 'status'], n);
      assert.equal(s.rootfs, b.rootfs);
      assert.ok(!Number.isNaN(Date.parse(s.created)), `${n}: created is a time`);
      const ppid = Number(fs.readFileSync(`/proc/${s.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      assert.notEqual(fs.readFileSync(`/proc/${ppid}/comm`, 'utf8').trim(), 'berth-helper', `${n}: no monitor of the runtime's is the init's parent`);

      assert.equal(run(n, ['start', 'cmp']).status, 0, n);
      assert.equal(state(n, 'cmp').status, 'running', n);
      const ps = JSON.parse(run(n, ['ps', '--format', 'json', 'cmp']).stdout);
      assert.ok(Array.isArray(ps) && ps.includes(s.pid) && ps.every((p: unknown) => Number.isInteger(p)), `${n}: ps ${JSON.stringify(ps)}`);

      assert.equal(run(n, ['pause', 'cmp']).status, 0, n);
      assert.equal(state(n, 'cmp').status, 'paused', n);
      assert.equal(run(n, ['resume', 'cmp']).status, 0, n);
      assert.equal(state(n, 'cmp').status, 'running', n);

      const ev = JSON.parse(run(n, ['events', '--stats', 'cmp']).stdout);
      assert.equal(ev.type, 'stats', n);
      assert.equal(ev.id, 'cmp', n);
      assert.ok(ev.data.cpu.usage.total > 0, `${n}: cpu.usage.total`);
      assert.ok(ev.data.memory.usage.usage > 0, `${n}: memory.usage.usage`);
      assert.ok(ev.data.pids.current >= 1, `${n}: pids.current`);

      const proc = path.join(b.dir, `process-${n}.json`);
      fs.writeFileSync(proc, JSON.stringify({ args: ['sh', '-c', 'echo "$GREETING $(pwd) $(id -u)" > /tmp/exec-out'], env: ['PATH=/bin', 'GREETING=hi'], cwd: '/tmp', user: { uid: 1000, gid: 1000 }, terminal: false }));
      fs.rmSync(path.join(b.rootfs, 'tmp', 'exec-out'), { force: true });
      const ex = run(n, ['exec', '--process', proc, '--detach', '--pid-file', path.join(b.dir, `exec-pid-${n}`), 'cmp']);
      assert.equal(ex.status, 0, `${n}: ${ex.stderr}`);
      assert.ok(Number(fs.readFileSync(path.join(b.dir, `exec-pid-${n}`), 'utf8')) > 0, `${n}: exec --pid-file`);
      await until(() => fs.existsSync(path.join(b.rootfs, 'tmp', 'exec-out')) && fs.readFileSync(path.join(b.rootfs, 'tmp', 'exec-out'), 'utf8').endsWith('\n'));
      assert.equal(fs.readFileSync(path.join(b.rootfs, 'tmp', 'exec-out'), 'utf8'), 'hi /tmp 1000\n', n);

      assert.equal(run(n, ['kill', 'cmp', '9']).status, 0, n);
      await until(() => state(n, 'cmp').status === 'stopped');
      assert.equal(state(n, 'cmp').pid, 0, `${n}: pid 0 once stopped`);
      const again = run(n, ['kill', 'cmp', '15']);
      assert.notEqual(again.status, 0, n);
      assert.match(again.stderr, /container not running/, `${n}: the words the shim looks for`);
      assert.equal(run(n, ['delete', 'cmp']).status, 0, n);
      const gone = run(n, ['state', 'cmp']);
      assert.notEqual(gone.status, 0, n);
      assert.match(gone.stderr, /does not exist/, n);
      assert.equal(run(n, ['delete', '--force', 'cmp']).status, 0, `${n}: delete --force of a missing container is no error`);
    }
  });

  test('--log --log-format json: the error is a JSON line with level, msg and time', () => {
    b.spec.process!.terminal = true;
    b.write();
    try {
      const r = both((n) => run(n, ['create', '--bundle', b.dir, 'tty-no-socket']));
      for (const n of names) {
        assert.notEqual(r[n].status, 0, n);
        const last = JSON.parse(fs.readFileSync(log(n), 'utf8').trim().split('\n').pop()!);
        assert.deepEqual(Object.keys(last).sort(), ['level', 'msg', 'time'], n);
        assert.equal(last.level, 'error', n);
        assert.match(last.msg, /create failed: .*tty/, n);
        assert.ok(!Number.isNaN(Date.parse(last.time)), n);
        assert.match(r[n].stderr, /tty/, `${n}: and on stderr`);
      }
    } finally {
      b.spec.process!.terminal = false;
      b.write();
    }
  });

  test('features has runc\'s shape; --version answers; --systemd-cgroup is refused clearly', () => {
    const f = both((n) => JSON.parse(run(n, ['features']).stdout));
    assert.deepEqual(Object.keys(f.berth).sort(), Object.keys(f.runc).sort());
    for (const k of ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux']) assert.ok(k in f.berth.linux, k);
    assert.deepEqual(f.berth.hooks, f.runc.hooks);
    assert.ok(f.berth.linux.namespaces.includes('pid'));
    const v = spawnSync(BERTH_RUNTIME, ['--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^berth-runtime version \S+\nspec: /);
    const sd = run('berth', ['--systemd-cgroup', 'create', '--bundle', b.dir, 'sd']);
    assert.notEqual(sd.status, 0);
    assert.match(sd.stderr, /^berth: --systemd-cgroup: berth-runtime manages cgroups itself \(cgroupfs\), not through systemd/);
    assert.notEqual(run('berth', ['state', 'sd']).status, 0, 'nothing was created');
  });
});

/**
 * berth-runtime under containerd (Debian's 1.6) as its runc shim's runtime: `ctr run
 * --runc-binary bin/berth-runtime`, exec, kill, pause/resume, metrics. A private containerd
 * (test/containerdHarness.ts); nothing may be left behind: mounts, cgroups, shims, state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { until } from '../helpers.js';
import { berthRuntimeBin, containerdMissing, importBusybox, IMAGE, mountsUnder, shimsOf, startContainerd, type Containerd } from '../containerdHarness.js';

const missing = containerdMissing();
const CGROUP_PARENT = 'berth/containerd-test';

function cgroupDirsLeft(): string[] {
  const out: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const d = path.join('/sys/fs/cgroup', h, CGROUP_PARENT);
    if (fs.existsSync(d)) out.push(...fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name)));
  }
  return out;
}

describe('containerd: ctr with --runc-binary berth-runtime', missing ? { skip: missing } : {}, () => {
  let c: Containerd;
  before(async () => {
    c = await startContainerd();
    importBusybox(c);
  });
  after(async () => {
    if (!c) return;
    const dir = c.dir;
    await c.stop();
    assert.deepEqual(mountsUnder(dir), [], 'no mounts left under the test directory');
    assert.equal(fs.existsSync(dir), false);
    for (const h of fs.readdirSync('/sys/fs/cgroup')) try { fs.rmdirSync(path.join('/sys/fs/cgroup', h, CGROUP_PARENT)); } catch { /* absent */ }
  });

  const run = (id: string, cmd: string[], extra: string[] = []) => c.ctr(['run', ...c.runArgs(id), ...extra, IMAGE, id, ...cmd]);
  const taskStatus = (id: string) => c.ctr(['tasks', 'ls']).stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id)?.[2];
  const berthState = (id: string) => JSON.parse(spawnSync(berthRuntimeBin, ['--root', path.join(c.runtimeRoot, 'berth-test'), 'state', id], { encoding: 'utf8' }).stdout);

  test('ctr run --rm: the output and the exit code come back; nothing is left', () => {
    const r = run('once', ['sh', '-c', 'echo hello from berth; echo to-stderr >&2; exit 7'], ['--rm']);
    assert.equal(r.status, 7, r.stderr);
    assert.equal(r.stdout, 'hello from berth\n');
    assert.match(r.stderr, /to-stderr/);
    assert.equal(c.ctr(['containers', 'ls', '-q']).stdout.trim(), '');
    assert.deepEqual(fs.readdirSync(path.join(c.runtimeRoot, 'berth-test')), [], 'berth-runtime kept no state');
    assert.deepEqual(cgroupDirsLeft(), [], 'no cgroup left');
  });

  test('task exec, ps, pause/resume, metrics, kill --all on a detached task', async () => {
    const r = run('svc', ['sh', '-c', 'while true; do sleep 0.05; done'], ['-d']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(taskStatus('svc'), 'RUNNING');
    const ex = c.ctr(['tasks', 'exec', '--exec-id', 'e1', 'svc', 'sh', '-c', 'echo in-exec; tr "\\0" " " < /proc/1/cmdline; exit 5']);
    assert.equal(ex.status, 5, ex.stderr);
    assert.match(ex.stdout, /^in-exec\nsh -c while true/);
    const env = c.ctr(['tasks', 'exec', '--exec-id', 'e2', '--cwd', '/tmp', '--user', '1000', 'svc', 'sh', '-c', 'echo $(pwd) $(id -u)']);
    assert.equal(env.stdout.trim(), '/tmp 1000', env.stderr);
    const ps = c.ctr(['tasks', 'ps', 'svc']);
    assert.equal(ps.status, 0, ps.stderr);
    assert.ok(ps.stdout.split('\n').slice(1).filter(Boolean).length >= 1, ps.stdout);

    assert.equal(c.ctr(['tasks', 'pause', 'svc']).status, 0);
    assert.equal(taskStatus('svc'), 'PAUSED');
    assert.equal(berthState('svc').status, 'paused', 'berth-runtime state says paused, as runc');
    assert.equal(c.ctr(['tasks', 'resume', 'svc']).status, 0);
    assert.equal(taskStatus('svc'), 'RUNNING');

    const m = c.ctr(['tasks', 'metrics', 'svc']);
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /memory\.usage_in_bytes\s+[1-9]\d*/);
    assert.match(m.stdout, /pids\.current\s+[1-9]/);

    const k = c.ctr(['tasks', 'kill', '--all', '--signal', 'SIGKILL', 'svc']);
    assert.equal(k.status, 0, k.stderr);
    await until(() => taskStatus('svc') === 'STOPPED');
    assert.equal(c.ctr(['tasks', 'delete', 'svc']).status, 0);
    assert.equal(c.ctr(['containers', 'rm', 'svc']).status, 0);
    assert.deepEqual(cgroupDirsLeft(), []);
  });

  test('ctr task kill (SIGTERM) reaches a trap in the init; ctr run gets its exit code', async () => {
    const out = path.join(c.dir, 'trap.out');
    const fd = fs.openSync(out, 'w');
    const child = spawn('ctr', ['--address', c.sock, '--namespace', 'berth-test', 'run', ...c.runArgs('trap'), '--rm', IMAGE, 'trap',
      'sh', '-c', 'trap "echo got-term; exit 3" TERM; echo ready; while true; do sleep 0.05; done'], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await until(() => fs.readFileSync(out, 'utf8').includes('ready'));
    assert.equal(c.ctr(['tasks', 'kill', 'trap']).status, 0);
    assert.equal(await code, 3);
    assert.match(fs.readFileSync(out, 'utf8'), /got-term/);
  });

  test('a failing create reports berth-runtime\'s error through the shim', () => {
    const r = run('nocmd', ['/no/such/program']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no\/such\/program/);
    c.ctr(['containers', 'rm', 'nocmd']);
  });

  test('no shim is left once the tasks are gone', async () => {
    await until(() => shimsOf(c).length === 0);
  });
});

/** `berth runtime` in real namespaces, on a busybox rootfs (issue: foundation). */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { berthBin, fixturesDir, requiresRoot, until } from '../helpers.js';
import { berth, berthDetached, buildProbe, cleanupBundle, hostMountsMention, makeBundle, runIn } from '../runtimeHelpers.js';

describe('runtime: namespaces', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  test('pid: the process is pid 1 and ps lists only the container', () => {
    const r = runIn(b, ['sh', '-c', 'echo $$; ps -o pid,comm']);
    assert.equal(r.status, 0, r.stderr);
    const [pid, ...ps] = r.stdout.trim().split('\n');
    assert.equal(pid, '1');
    const pids = ps.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
    assert.ok(pids.every((p) => p < 10), `only container processes: ${ps.join('|')}`);
    assert.ok(ps.length <= 3, ps.join('|'));
  });

  test('uts: the configured hostname inside, the host unchanged', () => {
    const host = os.hostname();
    b.spec.hostname = 'inside-box';
    const r = runIn(b, ['hostname']);
    assert.equal(r.stdout.trim(), 'inside-box');
    assert.equal(os.hostname(), host);
  });

  test('every namespace differs from the host', () => {
    const r = runIn(b, ['sh', '-c', 'for n in pid mnt uts ipc net cgroup; do readlink /proc/self/ns/$n; done']);
    const inside = r.stdout.trim().split('\n');
    const host = ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'].map((n) => fs.readlinkSync(`/proc/self/ns/${n}`));
    assert.equal(inside.length, 6, r.stderr);
    inside.forEach((ns, i) => assert.notEqual(ns, host[i], `${ns} is the host's`));
  });

  test('net: only lo exists, and it is up', () => {
    const r = runIn(b, ['sh', '-c', 'ls /sys/class/net; cat /sys/class/net/lo/flags']);
    const [ifs, flags] = r.stdout.trim().split('\n');
    assert.deepEqual(ifs.split(/\s+/), ['lo']);
    assert.equal(Number(flags) & 1, 1, 'IFF_UP');
  });

  test('ipc: a SysV shared-memory segment made inside is not visible on the host', () => {
    const probe = buildProbe(b, path.join(fixturesDir, 'runtime', 'shmprobe.c'), 'shmprobe');
    const r = runIn(b, ['sh', '-c', `${probe} && cat /proc/sysvipc/shm`]);
    assert.equal(r.status, 0, r.stderr);
    const key = String(0x42525448);
    assert.ok(r.stdout.includes(key), 'the segment exists inside');
    assert.ok(!fs.readFileSync('/proc/sysvipc/shm', 'utf8').includes(key), 'and not on the host');
  });

  test('mnt: the host outside the rootfs is unreachable, inside mounts stay inside, nothing left after delete', () => {
    fs.writeFileSync(path.join(b.dir, 'outside-marker'), 'secret');
    const caps = b.spec.process!.capabilities!;
    const saved = { ...caps };
    for (const k of ['bounding', 'effective', 'permitted'] as const) caps[k] = [...(caps[k] ?? []), 'CAP_SYS_ADMIN'];
    const r = runIn(b, ['sh', '-c', 'cat /outside-marker ../outside-marker /../outside-marker 2>/dev/null; mkdir -p /mnt/t && mount -t tmpfs inner-berth-tmpfs /mnt/t && grep -c inner-berth-tmpfs /proc/mounts']);
    Object.assign(caps, saved);
    assert.ok(!r.stdout.includes('secret'));
    assert.equal(r.stdout.trim(), '1', r.stderr);
    assert.ok(!hostMountsMention('inner-berth-tmpfs'));
    assert.ok(!hostMountsMention(b.rootfs), 'no mount of the rootfs is left on the host');
  });
});

describe('runtime: process settings', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  test('exit status: exit 3 -> 3', () => {
    assert.equal(runIn(b, ['sh', '-c', 'exit 3']).status, 3);
  });

  test('env, cwd, uid:gid, supplementary groups and rlimits are applied', () => {
    const p = b.spec.process!;
    p.env = ['PATH=/bin', 'GREETING=hello world'];
    p.cwd = '/tmp';
    p.user = { uid: 1000, gid: 1000, additionalGids: [10, 20] };
    p.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
    const r = runIn(b, ['sh', '-c', 'echo "$GREETING"; pwd; id -u; id -g; id -G; ulimit -n; ulimit -Hn']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['hello world', '/tmp', '1000', '1000', '1000 10 20', '321', '654']);
  });

  test('an rlimit above the host hard limit fails with a clear message', () => {
    b.spec.process!.user = { uid: 0, gid: 0 };
    b.spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1 << 30, hard: 1 << 30 }];
    const r = runIn(b, ['true']);
    b.spec.process!.rlimits = [];
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^berth: rlimit RLIMIT_NOFILE: operation not permitted/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

describe('runtime: lifecycle', requiresRoot, () => {
  const b = makeBundle((s) => { s.process!.args = ['sleep', '1000']; });
  after(() => cleanupBundle(b));
  const state = (id: string) => JSON.parse(berth(b, ['state', id]).stdout);

  test('create -> created (not exec\'d) -> start -> running -> kill -> stopped -> delete', async () => {
    assert.equal(berthDetached(b, ['create', 'life']).status, 0);
    const s1 = state('life');
    assert.equal(s1.status, 'created');
    assert.ok(!fs.readFileSync(`/proc/${s1.pid}/cmdline`, 'utf8').startsWith('sleep'), 'held before exec');
    assert.equal(berth(b, ['start', 'life']).status, 0);
    assert.equal(state('life').status, 'running');
    await waitFor(() => fs.readFileSync(`/proc/${s1.pid}/cmdline`, 'utf8').startsWith('sleep'));
    assert.equal(berth(b, ['kill', 'life', 'KILL']).status, 0);
    await waitFor(() => state('life').status === 'stopped' && fs.existsSync(path.join(b.root, 'life', 'exit.json')));
    const exit = JSON.parse(fs.readFileSync(path.join(b.root, 'life', 'exit.json'), 'utf8'));
    assert.equal(exit.signal, 9);
    assert.equal(berth(b, ['delete', 'life']).status, 0);
    assert.equal(berth(b, ['state', 'life']).status, 125);
  });

  test('SIGKILL of the CLI while a container runs leaves it running and state correct', async () => {
    const cli = spawn(process.execPath, [berthBin, 'runtime', '--root', b.root, 'run', 'survivor'], { cwd: b.dir, stdio: 'ignore' });
    await waitFor(() => berth(b, ['state', 'survivor']).stdout.includes('"running"'));
    cli.kill('SIGKILL');
    await new Promise((r) => cli.on('exit', r));
    const s = state('survivor');
    assert.equal(s.status, 'running');
    assert.ok(fs.existsSync(`/proc/${s.pid}`));
    assert.equal(berth(b, ['delete', 'survivor']).status, 1 + 124, 'running: delete without --force refuses');
    assert.equal(berth(b, ['delete', '--force', 'survivor']).status, 0);
    assert.ok(!fs.existsSync(`/proc/${s.pid}`) || fs.readFileSync(`/proc/${s.pid}/stat`, 'utf8').includes(') Z'));
  });

  test('list shows containers', () => {
    assert.equal(berthDetached(b, ['create', 'listed']).status, 0);
    assert.match(berth(b, ['list']).stdout, /listed\s+\d+\s+created/);
    assert.equal(berth(b, ['delete', 'listed']).status, 0);
  });
});

describe('runtime: bad input gets one line, a non-zero exit, and leaves nothing', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  function expectFailure(args: string[], pattern: RegExp, code?: number) {
    const r = runIn(b, args, 'bad');
    assert.notEqual(r.status, 0);
    if (code !== undefined) assert.equal(r.status, code);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
    assert.ok(!fs.existsSync(path.join(b.root, 'bad')), 'no state left');
    assert.ok(!hostMountsMention(b.dir), 'no mounts left');
    assert.ok(!fs.existsSync('/sys/fs/cgroup/pids/berth/bad'), 'no cgroup left');
  }

  test('executable not found -> 127', () => expectFailure(['no-such-program'], /^berth: exec `no-such-program`: executable file not found/, 127));
  test('not executable -> 126', () => {
    fs.writeFileSync(path.join(b.rootfs, 'notexec'), 'data', { mode: 0o644 });
    expectFailure(['/notexec'], /^berth: exec `\/notexec`: permission denied/, 126);
  });
  test('unknown namespace type', () => {
    b.spec.linux!.namespaces!.push({ type: 'bogus' });
    try { expectFailure(['true'], /linux\.namespaces\[\d\]\.type: unknown namespace type `bogus`/); } finally { b.spec.linux!.namespaces!.pop(); }
  });
  test('invalid config names the field', () => {
    const cwd = b.spec.process!.cwd;
    b.spec.process!.cwd = 'relative';
    try { expectFailure(['true'], /process\.cwd: must be an absolute path/); } finally { b.spec.process!.cwd = cwd; }
  });
  test('malformed config.json', () => {
    fs.writeFileSync(path.join(b.dir, 'config.json'), '{ not json');
    const r = berth(b, ['run', 'bad']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^berth: config.json in `.*` is not valid JSON/);
    assert.ok(!fs.existsSync(path.join(b.root, 'bad')));
  });
  test('missing rootfs', () => {
    b.spec.root!.path = 'nowhere';
    try { expectFailure(['true'], /^berth: rootfs `.*nowhere` does not exist/); } finally { b.spec.root!.path = 'rootfs'; }
  });
});

const waitFor = (cond: () => boolean, ms = 10_000) => until(cond, ms);

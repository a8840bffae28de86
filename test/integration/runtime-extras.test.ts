/** `berth runtime`: hooks at the spec's points, and terminal via --console-socket. */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { berthBin, fixturesDir, requiresRoot } from '../helpers.js';
import { berth, berthDetached, cleanupBundle, makeBundle } from '../runtimeHelpers.js';

describe('runtime: hooks', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  test('every hook phase runs, in order, with the state on stdin', () => {
    const hostLog = path.join(b.dir, 'hooks.log');
    const hook = (phase: string) => ({ path: '/bin/sh', args: ['sh', '-c', `read s; echo "${phase} $s" >> ${hostLog}`] });
    // startContainer runs inside the container: it writes into the container's filesystem.
    const inside = { path: '/bin/sh', args: ['sh', '-c', 'read s; echo "startContainer $(hostname)" >> /hooks-inside.log'] };
    b.spec.hostname = 'hooked';
    b.spec.hooks = {
      prestart: [hook('prestart')], createRuntime: [hook('createRuntime')], createContainer: [hook('createContainer')],
      startContainer: [inside], poststart: [hook('poststart')], poststop: [hook('poststop')],
    };
    b.spec.process!.args = ['true'];
    b.write();
    const r = berth(b, ['run', 'hk']);
    assert.equal(r.status, 0, r.stderr);
    const lines = fs.readFileSync(hostLog, 'utf8').trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']);
    const state = JSON.parse(lines[0].slice('prestart '.length));
    assert.equal(state.id, 'hk');
    assert.ok(state.pid > 0);
    assert.equal(fs.readFileSync(path.join(b.rootfs, 'hooks-inside.log'), 'utf8'), 'startContainer hooked\n');
    delete b.spec.hooks;
  });

  test('a failing prestart hook fails the create and leaves nothing', () => {
    b.spec.hooks = { prestart: [{ path: '/bin/false' }] };
    b.spec.process!.args = ['true'];
    b.write();
    const r = berthDetached(b, ['create', 'hkfail']);
    delete b.spec.hooks;
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^berth: prestart hook `\/bin\/false` failed: exit status 1/);
    assert.ok(!fs.existsSync(path.join(b.root, 'hkfail')));
  });
});

describe('runtime: terminal', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  test('process.terminal gives a real pty, its master sent over --console-socket', async () => {
    const sock = path.join(b.dir, 'console.sock');
    const peer = spawn('python3', [path.join(fixturesDir, 'runtime', 'recvtty.py'), sock, 'tty; [ -t 0 ] && echo STDIN-IS-TTY; echo END-OF-TEST; exit'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    peer.stdout.on('data', (d) => (out += d));
    await new Promise<void>((r) => peer.stdout.once('data', () => r()));
    b.spec.process!.terminal = true;
    b.spec.process!.args = ['sh'];
    b.write();
    const r = berthDetached(b, ['run', '--console-socket', sock, 'tty']);
    await new Promise((res) => peer.on('exit', res));
    assert.equal(r.status, 0, r.stderr);
    assert.match(out, /name=\/dev\/pts\/0/);
    assert.match(out, /^\/dev\/pts\/0\r?$/m);
    assert.match(out, /STDIN-IS-TTY/);
  });
});

describe('runtime: kernel settings and paths', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  test('sysctl, domainname, oom_score_adj, umask, masked and read-only paths, read-only root', () => {
    b.spec.domainname = 'example.test';
    b.spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '12345' };
    b.spec.process!.oomScoreAdj = 500;
    b.spec.process!.user.umask = 0o077;
    b.spec.root!.readonly = true;
    b.spec.process!.args = ['sh', '-c', [
      'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax', 'cat /proc/sys/kernel/domainname', 'cat /proc/self/oom_score_adj', 'umask',
      'wc -c < /proc/timer_list', 'ls /sys/firmware | wc -l', 'echo 1 > /proc/sys/kernel/msgmax 2>/dev/null || echo ro-proc-sys',
      'touch /newfile 2>/dev/null || echo ro-root', 'touch /tmp/x 2>/dev/null || echo ro-tmp-too',
    ].join('; ')];
    b.write();
    const r = berth(b, ['run', 'ks']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['1', '12345', 'example.test', '500', '0077', '0', '0', 'ro-proc-sys', 'ro-root', 'ro-tmp-too']);
    assert.equal(fs.readFileSync('/proc/sys/kernel/msgmax', 'utf8').trim() === '12345', false, 'the host is untouched');
  });
});

describe('runtime: exec, update, pause/resume, events --stats', requiresRoot, () => {
  const b = makeBundle((s) => {
    s.process!.args = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done'];
    s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }], pids: { limit: 50 } };
  });
  after(() => cleanupBundle(b));
  const counter = () => Number(fs.readFileSync(path.join(b.rootfs, 'tmp', 'counter'), 'utf8') || '0');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('exec runs in the container; update changes a limit; pause freezes; events prints stats', async () => {
    assert.equal(berthDetached(b, ['run', '-d', 'busy']).status, 0);
    const ex = berth(b, ['exec', 'busy', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; exit 3']);
    assert.equal(ex.status, 3);
    assert.match(ex.stdout, /^sh -c i=0/);
    assert.equal(berth(b, ['update', '--pids-limit', '77', 'busy']).status, 0);
    const stats = JSON.parse(berth(b, ['events', '--stats', 'busy']).stdout);
    assert.equal(stats.data.pids.limit, 77);
    assert.ok(stats.data.pids.current >= 1);
    assert.equal(berth(b, ['pause', 'busy']).status, 0);
    const frozen = counter();
    await sleep(400);
    assert.equal(counter(), frozen, 'no progress while paused');
    assert.equal(berth(b, ['resume', 'busy']).status, 0);
    const end = Date.now() + 10_000;
    while (counter() === frozen && Date.now() < end) await sleep(50);
    assert.ok(counter() > frozen, 'progress after resume');
    assert.equal(berth(b, ['delete', '--force', 'busy']).status, 0);
  });
});

describe('runtime: user namespace', requiresRoot, () => {
  const b = makeBundle((s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  });
  after(() => cleanupBundle(b));

  test('root inside is an unprivileged id outside', () => {
    execFileSync('chown', ['-R', '200000:200000', b.rootfs]);
    fs.chmodSync(b.dir, 0o755);
    b.spec.process!.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map; touch /tmp/made-inside; cat /proc/self/status | grep ^Uid'];
    b.write();
    const r = berth(b, ['run', 'uns']);
    assert.equal(r.status, 0, r.stderr);
    const [uid, map] = r.stdout.trim().split('\n');
    assert.equal(uid, '0');
    assert.deepEqual(map.trim().split(/\s+/), ['0', '200000', '65536']);
    assert.equal(fs.statSync(path.join(b.rootfs, 'tmp', 'made-inside')).uid, 200000, 'files it makes belong to the mapped id on the host');
  });
});

describe('runtime: bind mounts and signals', requiresRoot, () => {
  const b = makeBundle();
  after(() => cleanupBundle(b));

  test('bind mounts honour ro, noexec and rw', () => {
    const share = path.join(b.dir, 'share');
    fs.mkdirSync(share);
    fs.copyFileSync('/bin/busybox', path.join(share, 'true')); // busybox picks the applet by its name
    fs.chmodSync(path.join(share, 'true'), 0o755);
    b.spec.mounts!.push(
      { destination: '/ro', type: 'bind', source: share, options: ['rbind', 'ro'] },
      { destination: '/noexec', type: 'bind', source: share, options: ['rbind', 'noexec'] },
      { destination: '/rw', type: 'bind', source: share, options: ['rbind', 'rw'] },
    );
    b.spec.process!.args = ['sh', '-c', 'touch /ro/x 2>/dev/null || echo ro-refused; /noexec/true 2>/dev/null || echo noexec-refused; /ro/true && echo ro-exec-ok; echo hi > /rw/written && echo rw-ok'];
    b.write();
    const r = berth(b, ['run', 'binds']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['ro-refused', 'noexec-refused', 'ro-exec-ok', 'rw-ok']);
    assert.equal(fs.readFileSync(path.join(share, 'written'), 'utf8'), 'hi\n');
    b.spec.mounts!.splice(-3);
  });

  test('a signal to the foreground CLI reaches the container', async () => {
    b.spec.process!.args = ['sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; sleep 100 & wait'];
    b.write();
    const run = spawn(process.execPath, [berthBin, 'runtime', '--root', b.root, 'run', 'sig'], { cwd: b.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout.on('data', (d) => (out += d));
    await new Promise<void>((r) => run.stdout.on('data', () => out.includes('ready') && r()));
    run.kill('SIGTERM');
    const code = await new Promise((r) => run.on('exit', r));
    assert.equal(code, 7);
    assert.match(out, /got-term/);
  });
});

describe('runtime: terminal without a console socket', requiresRoot, () => {
  const b = makeBundle((s) => { s.process!.terminal = true; s.process!.args = ['sh']; });
  after(() => cleanupBundle(b));

  test('run in the foreground is the console (script gives it a real terminal); create refuses', () => {
    const cmd = `${process.execPath} ${berthBin} runtime --root ${b.root} run tty-fg`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: b.dir, input: 'echo out-$((6*7)); tty; exit 5\n', encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stdout, /out-42/);
    assert.match(r.stdout, /\/dev\/pts\/0/);
    const c = berthDetached(b, ['create', 'tty-bg']);
    assert.equal(c.status, 125);
    assert.match(c.stderr, /^berth: cannot allocate a tty for a detached container without --console-socket/);
  });
});

describe('runtime: delete --force of a paused container', requiresRoot, () => {
  const b = makeBundle((s) => {
    s.process!.args = ['sleep', '100'];
    s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
  });
  after(() => cleanupBundle(b));

  test('ends the frozen processes and removes the cgroup', () => {
    assert.equal(berthDetached(b, ['run', '-d', 'frozen']).status, 0);
    const pid = JSON.parse(berth(b, ['state', 'frozen']).stdout).pid;
    assert.equal(berth(b, ['pause', 'frozen']).status, 0);
    const r = berth(b, ['delete', '--force', 'frozen']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), 'the process is gone');
    assert.ok(!fs.existsSync('/sys/fs/cgroup/pids/berth/frozen'), 'the cgroup is gone');
  });
});

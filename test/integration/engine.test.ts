/** `berth run/create/start/stop/kill/rm/ps/logs/inspect/wait/rename/pause/exec` on busybox, through the CLI. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { Engine, until } from './engineHarness.js';

describe('engine: everyday verbs', requiresRoot, () => {
  const e = new Engine();
  before(() => e.init());
  after(() => e.cleanup());

  test('foreground run streams output and returns the exit code', () => {
    const r = e.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test('exit codes: 127 not found, 126 not executable, 125 bad flag and unknown image', () => {
    assert.equal(e.run(['run', '--rm', 'busybox', 'nosuchcmd']).code, 127);
    assert.equal(e.run(['run', '--rm', 'busybox', '/etc/passwd']).code, 126);
    const bad = e.run(['run', '--rm', '--memory', 'lots', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^berth: invalid --memory value "lots"/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.equal(e.run(['run', '--rm', '--no-such-flag', 'busybox', 'true']).code, 125);
    assert.equal(e.run(['run', '--rm', 'nosuchimage', 'true']).code, 125);
  });

  test('--rm leaves nothing behind: record, name, snapshot, runtime state, cgroup, mounts', () => {
    const parent = `berth/test-${process.pid}-rm`;
    const before = e.containerDirs().length;
    try {
      assert.equal(e.run(['run', '--rm', '--name', 'gone', '-m', '64m', '--cgroup-parent', parent, 'busybox', 'true']).code, 0);
      assert.equal(e.containerDirs().length, before);
      assert.ok(!fs.existsSync(path.join(e.root, 'names', 'gone')));
      const ids = new Set(e.containerDirs());
      const snaps = fs.readdirSync(path.join(e.root, 'snapshots')).filter((n) => !n.startsWith('.'));
      assert.deepEqual(snaps.filter((x) => !ids.has(x)), []);
      const runtime = fs.existsSync(path.join(e.root, 'runtime')) ? fs.readdirSync(path.join(e.root, 'runtime')) : [];
      assert.deepEqual(runtime.filter((x) => !ids.has(x.replace(/\.sock$/, ''))), []);
      for (const h of ['memory', 'pids', 'cpu', 'freezer']) {
        const dir = path.join('/sys/fs/cgroup', h, parent);
        const kids = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
        assert.deepEqual(kids.map((k) => k.name), [], `cgroup ${h}/${parent} is empty`);
      }
      assert.ok(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(e.root), 'no mount of the root on the host');
      // the name can be reused at once
      assert.equal(e.run(['run', '--rm', '--name', 'gone', 'busybox', 'true']).code, 0);
    } finally {
      for (const h of fs.readdirSync('/sys/fs/cgroup')) try { fs.rmdirSync(path.join('/sys/fs/cgroup', h, parent)); } catch { /* absent */ }
    }
  });

  test('-d + logs -f streams until the container exits; --tail and -t', () => {
    const id = e.ok(['run', '-d', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.1; done']);
    assert.match(id, /^[a-f0-9]{64}$/);
    const f = e.run(['logs', '-f', id.slice(0, 8)]);
    assert.equal(f.code, 0);
    assert.equal(f.stdout, 'line1\nline2\nline3\n');
    assert.equal(e.ok(['logs', '--tail', '1', id]), 'line3');
    assert.match(e.ok(['logs', '-t', '--tail', '1', id]), /^\d{4}-\d\d-\d\dT\S+Z line3$/);
    assert.equal(e.ok(['logs', '--since', '2000-01-01T00:00:00Z', '--until', '2000-01-02T00:00:00Z', id]), '');
    assert.equal(e.ok(['wait', id]), '0');
  });

  test('create, start, stop -t, restart, kill -s, wait, rename, rm', () => {
    const id = e.ok(['create', '--name', 'life', 'busybox', 'sleep', '1000']);
    assert.equal(e.inspect('life').State.Status, 'created');
    assert.match(e.ok(['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}']), /life/);
    assert.equal(e.ok(['start', 'life']), 'life');
    const st = e.inspect(id).State;
    assert.equal(st.Status, 'running');
    assert.ok(st.Pid > 0);
    assert.equal(e.ok(['ps', '-q', '--filter', 'name=life']), id.slice(0, 12));
    assert.equal(e.ok(['stop', '-t', '0', 'life']), 'life');
    assert.equal(e.inspect('life').State.ExitCode, 137);
    e.ok(['restart', 'life']);
    assert.equal(e.inspect('life').State.Running, true);
    e.ok(['kill', '-s', 'TERM', 'life']);
    e.ok(['kill', 'life']);
    assert.equal(e.ok(['wait', 'life']), '137');
    assert.equal(e.run(['kill', 'life']).code, 1);
    e.ok(['rename', 'life', 'life2']);
    assert.equal(e.inspect('life2').Name, '/life2');
    assert.equal(e.run(['inspect', 'life']).code, 1);
    const again = e.ok(['create', '--name', 'life', 'busybox', 'true']);
    assert.notEqual(again, id);
    const dup = e.run(['create', '--name', 'life', 'busybox', 'true']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /already in use/);
    e.ok(['rm', 'life', 'life2']);
    assert.equal(e.run(['rm', 'life']).code, 1);
  });

  test('rm of a running container needs -f; rm -v removes anonymous volumes only', () => {
    e.ok(['volume', 'create', 'keepme']);
    e.ok(['run', '-d', '--name', 'vols', '-v', '/anon', '-v', 'keepme:/named', 'busybox', 'sleep', '1000']);
    const anon = e.inspect('vols').Mounts.find((m: any) => m.Destination === '/anon').Name;
    const r = e.run(['rm', 'vols']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stop the container before removing or force remove/);
    e.ok(['rm', '-f', '-v', 'vols']);
    const names = e.ok(['volume', 'ls', '-q']).split('\n');
    assert.ok(names.includes('keepme'));
    assert.ok(!names.includes(anon));
    e.ok(['volume', 'rm', 'keepme']);
  });

  test('ps: -a, -n, --no-trunc, --filter, --format, -s', () => {
    assert.equal(e.run(['run', '--name', 'psx', '-l', 'tier=db', 'busybox', 'sh', '-c', 'exit 4']).code, 4);
    const line = e.ok(['ps', '-a', '--filter', 'exited=4', '--filter', 'label=tier=db', '--format', '{{.Names}} {{.Status}}']);
    assert.match(line, /^psx Exited \(4\) /);
    assert.equal(e.ok(['ps', '-n', '1', '--format', '{{.Names}}']), 'psx');
    assert.match(e.ok(['ps', '-a', '--no-trunc', '--filter', 'name=psx', '--format', '{{.ID}}']), /^[a-f0-9]{64}$/);
    const table = e.ok(['ps', '-a', '-s', '--filter', 'name=psx']).split('\n');
    assert.match(table[0], /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\s+SIZE$/);
    assert.equal(e.run(['ps', '--filter', 'bogus=1']).code, 1);
    e.ok(['rm', 'psx']);
  });

  test('inspect: Config, HostConfig, Mounts, State in Docker shape', () => {
    const dir = fs.mkdtempSync('/tmp/berth-bind-');
    try {
      e.ok(['run', '-d', '--name', 'ins', '-e', 'A=1', '-w', '/srv', '-h', 'hostx', '-l', 'k=v', '-v', `${dir}:/data:ro`, '--tmpfs', '/scratch',
        '--stop-signal', 'SIGUSR1', '--stop-timeout', '3', '--restart', 'on-failure:2', '-m', '32m', '--cpus', '0.5', '--pids-limit', '50', 'busybox', 'sleep', '1000']);
      const j = e.inspect('ins');
      assert.equal(j.Name, '/ins');
      assert.equal(j.Path, 'sleep');
      assert.deepEqual(j.Args, ['1000']);
      assert.ok(j.Config.Env.includes('A=1'));
      assert.equal(j.Config.WorkingDir, '/srv');
      assert.equal(j.Config.Hostname, 'hostx');
      assert.equal(j.Config.Labels.k, 'v');
      assert.equal(j.Config.StopSignal, 'SIGUSR1');
      assert.equal(j.Config.StopTimeout, 3);
      assert.deepEqual(j.Config.Cmd, ['sleep', '1000']);
      assert.equal(j.HostConfig.Memory, 32 * 1024 * 1024);
      assert.equal(j.HostConfig.NanoCpus, 500000000);
      assert.equal(j.HostConfig.PidsLimit, 50);
      assert.deepEqual(j.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
      assert.deepEqual(j.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
      assert.deepEqual(j.Mounts, [{ Type: 'bind', Source: dir, Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' }]);
      assert.equal(j.State.Running, true);
      assert.equal(j.State.OOMKilled, false);
      assert.equal(e.ok(['inspect', '-f', '{{.State.Status}} {{.HostConfig.Memory}}', 'ins']), 'running 33554432');
      // what the container sees
      assert.equal(e.ok(['exec', 'ins', 'sh', '-c', 'echo $A $(hostname) $(pwd)']), '1 hostx /srv');
      assert.match(e.ok(['exec', 'ins', 'sh', '-c', 'touch /data/x 2>&1; echo $?']), /Read-only file system\n1$/);
      assert.equal(e.ok(['exec', 'ins', 'sh', '-c', 'grep " /scratch " /proc/mounts | cut -d" " -f3']), 'tmpfs');
      assert.equal(fs.readFileSync(`/sys/fs/cgroup/memory/berth/${j.Id}/memory.limit_in_bytes`, 'utf8').trim(), String(32 * 1024 * 1024));
      assert.equal(fs.readFileSync(`/sys/fs/cgroup/pids/berth/${j.Id}/pids.max`, 'utf8').trim(), '50');
      assert.equal(fs.readFileSync(`/sys/fs/cgroup/cpu/berth/${j.Id}/cpu.cfs_quota_us`, 'utf8').trim(), '50000');
      e.ok(['rm', '-f', 'ins']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('image config: Entrypoint/Cmd overrides, user, env-file, read-only, cap-drop, ulimit, sysctl, oom-score-adj', () => {
    assert.equal(e.ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'a', 'b']), 'a b');
    assert.equal(e.run(['run', '--rm', '--entrypoint', 'echo', 'busybox']).stdout, '\n');
    assert.equal(e.ok(['run', '--rm', '-u', 'user', 'busybox', 'id']), 'uid=1000(user) gid=1000(user) groups=1000(user)');
    assert.equal(e.ok(['run', '--rm', '-u', '1234:5', 'busybox', 'id', '-u']), '1234');
    const envFile = path.join(e.root, 'env');
    fs.writeFileSync(envFile, '# c\nFROMFILE=yes\nB=file\n');
    assert.equal(e.ok(['run', '--rm', '--env-file', envFile, '-e', 'B=flag', 'busybox', 'sh', '-c', 'echo $FROMFILE $B']), 'yes flag');
    assert.match(e.run(['run', '--rm', '--read-only', 'busybox', 'touch', '/x']).stderr, /Read-only file system/);
    assert.equal(e.run(['run', '--rm', '--read-only', '--tmpfs', '/tmp', 'busybox', 'touch', '/tmp/x']).code, 0);
    assert.notEqual(e.run(['run', '--rm', '--cap-drop', 'CHOWN', 'busybox', 'chown', '1', '/tmp']).code, 0);
    assert.equal(e.ok(['run', '--rm', '--ulimit', 'nofile=100:200', 'busybox', 'sh', '-c', 'ulimit -n']), '100');
    assert.equal(e.ok(['run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward']), '1');
    assert.equal(e.ok(['run', '--rm', '--oom-score-adj', '500', 'busybox', 'cat', '/proc/self/oom_score_adj']), '500');
    assert.equal(e.ok(['run', '--rm', '--privileged', 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status | cut -f2']).replace(/^0+/, '').length > 8, true);
  });

  test('exec sees the same pid namespace; exit codes 0/N/126 (a missing command: 126, as in Docker)', () => {
    e.ok(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '1000']);
    const ps = e.ok(['exec', 'ex', 'ps', '-o', 'pid,comm']);
    assert.match(ps, /^\s*1 sleep$/m);
    assert.equal(e.run(['exec', 'ex', 'sh', '-c', 'exit 7']).code, 7);
    assert.equal(e.run(['exec', 'ex', 'nosuch']).code, 126);
    e.ok(['exec', '-d', 'ex', 'sh', '-c', 'echo hi > /tmp/detached']);
    assert.equal(e.ok(['exec', 'ex', 'sh', '-c', 'while [ ! -s /tmp/detached ]; do sleep 0.05; done; cat /tmp/detached']), 'hi');
    e.ok(['stop', '-t', '0', 'ex']);
    assert.equal(e.run(['exec', 'ex', 'true']).code, 1);
    e.ok(['rm', 'ex']);
  });

  test('pause and unpause freeze the cgroup', () => {
    e.ok(['run', '-d', '--name', 'pz', 'busybox', 'sleep', '1000']);
    e.ok(['pause', 'pz']);
    assert.equal(e.inspect('pz').State.Status, 'paused');
    assert.match(e.ok(['ps', '--filter', 'name=pz', '--format', '{{.Status}}']), /\(Paused\)$/);
    e.ok(['unpause', 'pz']);
    assert.equal(e.inspect('pz').State.Status, 'running');
    e.ok(['rm', '-f', 'pz']);
  });

  test('OOM: State.OOMKilled and exit code 137', () => {
    const r = e.run(['run', '--name', 'oom', '-m', '8m', '--memory-swap', '8m', 'busybox', 'sh', '-c', 'tail /dev/zero']);
    assert.equal(r.code, 137);
    const st = e.inspect('oom').State;
    assert.equal(st.OOMKilled, true);
    assert.equal(st.ExitCode, 137);
    e.ok(['rm', 'oom']);
  });

  test('a dead monitor shows as exited, never running', async () => {
    const id = e.ok(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '1000']);
    const state = JSON.parse(fs.readFileSync(path.join(e.root, 'runtime', id, 'state.json'), 'utf8'));
    process.kill(state.monitorPid, 'SIGKILL');
    process.kill(state.pid, 'SIGKILL');
    await until(() => e.inspect('orphan').State.Running === false);
    assert.match(e.ok(['ps', '-a', '--filter', 'name=orphan', '--format', '{{.Status}}']), /^Exited/);
    assert.equal(e.ok(['ps', '-q', '--filter', 'name=orphan']), '');
    e.ok(['rm', 'orphan']);
  });
});

/** diff, commit, top, stats, update, port, info, version, container/system prune. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { berthBin, requiresRoot } from '../helpers.js';
import { Engine, berthCommand } from './engineHarness.js';

describe('engine: inspection and maintenance verbs', requiresRoot, () => {
  const e = new Engine();
  before(() => e.init());
  after(() => e.cleanup());

  test('diff and commit: the committed image runs with the change', () => {
    e.ok(['run', '-d', '--name', 'cm', 'busybox', 'sh', '-c', 'echo hello > /tmp/new; rm /etc/group; sleep 1000']);
    const diff = () => e.ok(['container', 'diff', 'cm']).split('\n');
    while (!diff().includes('A /tmp/new')) { /* the shell is still writing */ }
    assert.ok(diff().includes('D /etc/group'), diff().join(','));
    const id = e.ok(['commit', '-c', 'CMD ["cat", "/tmp/new"]', 'cm', 'committed:v1']);
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.equal(e.inspect('cm').State.Status, 'running', 'unpaused after commit');
    assert.equal(e.ok(['run', '--rm', 'committed:v1']), 'hello');
    assert.equal(e.run(['run', '--rm', 'committed:v1', 'cat', '/etc/group']).code, 1);
    e.ok(['rm', '-f', 'cm']);
  });

  test('top lists the container processes; stats --no-stream reads the cgroup', () => {
    e.ok(['run', '-d', '--name', 'tp', '-m', '64m', 'busybox', 'sh', '-c', 'sleep 1000 & sleep 1001']);
    const top = e.ok(['top', 'tp']).split('\n');
    assert.match(top[0], /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    assert.ok(top.some((l) => l.endsWith('sleep 1000')));
    assert.ok(top.some((l) => l.endsWith('sleep 1001')));
    const stats = e.ok(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'tp']);
    assert.match(stats, /^tp \S+ \/ 64MiB [23]$/);
    assert.equal(e.run(['top', 'nosuch']).code, 1);
    e.ok(['rm', '-f', 'tp']);
  });

  test('update changes the live cgroup and the record', () => {
    const id = e.ok(['run', '-d', '--name', 'up', '-m', '64m', 'busybox', 'sleep', '1000']);
    e.ok(['update', '-m', '128m', '--memory-swap', '256m', '--pids-limit', '20', '--cpus', '1.5', '--restart', 'on-failure:2', 'up']);
    assert.equal(fs.readFileSync(`/sys/fs/cgroup/memory/berth/${id}/memory.limit_in_bytes`, 'utf8').trim(), String(128 << 20));
    assert.equal(fs.readFileSync(`/sys/fs/cgroup/pids/berth/${id}/pids.max`, 'utf8').trim(), '20');
    assert.equal(fs.readFileSync(`/sys/fs/cgroup/cpu/berth/${id}/cpu.cfs_quota_us`, 'utf8').trim(), '150000');
    const hc = e.inspect('up').HostConfig;
    assert.equal(hc.Memory, 128 << 20);
    assert.equal(hc.PidsLimit, 20);
    assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    assert.equal(e.run(['update', '-m', 'x', 'up']).code, 125); // a flag's syntax: a usage error, as Docker's CLI
    e.ok(['rm', '-f', 'up']);
  });

  test('port, info, version', () => {
    e.ok(['create', '--name', 'pt', 'busybox', 'true']);
    assert.equal(e.ok(['port', 'pt']), '');
    const r = e.run(['port', 'pt', '80']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No public port '80\/tcp' published for pt/);
    e.ok(['rm', 'pt']);
    const info = JSON.parse(e.ok(['info', '--format', '{{json .}}']));
    assert.equal(info.Driver, 'overlay', 'the snapshotter\'s driver, not Docker\'s overlay2');
    assert.equal(info.DockerRootDir, e.root);
    assert.match(info.ID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(e.ok(['info', '--format', '{{.ID}}']), info.ID, 'one ID per root');
    assert.equal(fs.readFileSync(path.join(e.root, 'engine-id'), 'utf8'), `${info.ID}\n`);
    assert.match(e.ok(['version']), /^Client:\n Version:/);
    const v = JSON.parse(e.ok(['version', '--format', '{{json .}}']));
    assert.equal(v.Client.NodeVersion, process.version);
    assert.ok(!('ApiVersion' in v.Client) && !('GoVersion' in v.Client) && !('ApiVersion' in v.Server), 'no API yet, no Go');
  });

  test('container prune removes stopped containers only; system prune -f', () => {
    e.ok(['run', '--name', 'done1', 'busybox', 'true']);
    e.ok(['run', '-d', '--name', 'alive', 'busybox', 'sleep', '1000']);
    const out = e.ok(['container', 'prune', '-f']);
    assert.match(out, /Deleted Containers:\n[a-f0-9]{64}\n/);
    assert.match(out, /Total reclaimed space: /);
    assert.equal(e.ok(['ps', '-a', '--format', '{{.Names}}']), 'alive');
    e.ok(['stop', '-t', '0', 'alive']);
    assert.match(e.ok(['system', 'prune', '-f']), /Total reclaimed space/);
    assert.equal(e.ok(['ps', '-aq']), '');
  });

  test('cp in and out round-trips a tree with symlinks, modes and owners (running and stopped)', () => {
    const dir = fs.mkdtempSync('/tmp/berth-cp-');
    try {
      const tree = path.join(dir, 'tree');
      fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'f'), 'data');
      fs.chmodSync(path.join(tree, 'f'), 0o640);
      fs.symlinkSync('f', path.join(tree, 'rel'));
      fs.symlinkSync('/etc/passwd', path.join(tree, 'abs'));
      fs.chmodSync(path.join(tree, 'sub'), 0o700);
      fs.chownSync(path.join(tree, 'sub'), 1000, 1000);
      e.ok(['run', '-d', '--name', 'cp1', 'busybox', 'sleep', '1000']);
      e.ok(['cp', tree, 'cp1:/tmp/']);
      assert.equal(e.ok(['exec', 'cp1', 'sh', '-c', 'cat /tmp/tree/rel; stat -c "%a %u" /tmp/tree/f /tmp/tree/sub; readlink /tmp/tree/abs']), 'data640 0\n700 1000\n/etc/passwd');
      const check = (d: string) => {
        assert.equal(fs.readFileSync(path.join(d, 'f'), 'utf8'), 'data');
        assert.equal(fs.statSync(path.join(d, 'f')).mode & 0o777, 0o640);
        assert.equal(fs.readlinkSync(path.join(d, 'rel')), 'f');
        assert.equal(fs.readlinkSync(path.join(d, 'abs')), '/etc/passwd');
        assert.equal(fs.statSync(path.join(d, 'sub')).uid, 1000);
        assert.equal(fs.statSync(path.join(d, 'sub')).mode & 0o777, 0o700);
      };
      e.ok(['cp', '-a', 'cp1:/tmp/tree', path.join(dir, 'out1')]); // -a: the owners the container sees (else the caller's)
      check(path.join(dir, 'out1'));
      e.ok(['stop', '-t', '0', 'cp1']);
      e.ok(['cp', '-a', 'cp1:/tmp/tree', path.join(dir, 'out2')]);
      check(path.join(dir, 'out2'));
      e.ok(['cp', path.join(tree, 'f'), 'cp1:/root/copied']);
      e.ok(['start', 'cp1']);
      assert.equal(e.ok(['exec', 'cp1', 'cat', '/root/copied']), 'data');
      assert.equal(e.run(['cp', 'cp1:/nonexistent', dir]).code, 1);
      // tar streams both ways
      const tar = spawnSync(...berthCommand(['--root', e.root, 'cp', 'cp1:/tmp/tree', '-']), { maxBuffer: 64 << 20 });
      assert.equal(tar.status, 0, String(tar.stderr));
      const listing = spawnSync('tar', ['-tvf', '-'], { input: tar.stdout, encoding: 'utf8' }).stdout;
      assert.match(listing, /^lrwxrwxrwx 0\/0 .* tree\/rel -> f$/m);
      assert.match(listing, /^-rw-r----- 0\/0 .* tree\/f$/m);
      const back = spawnSync(...berthCommand(['--root', e.root, 'cp', '-', 'cp1:/home']), { input: tar.stdout });
      assert.equal(back.status, 0, String(back.stderr));
      assert.equal(e.ok(['exec', 'cp1', 'sh', '-c', 'readlink /home/tree/rel; stat -c %a /home/tree/f']), 'f\n640');
      e.ok(['rm', '-f', 'cp1']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('run -d --rm: removed once it has exited (by wait, or the next ps)', () => {
    e.ok(['run', '-d', '--rm', '--name', 'drm', 'busybox', 'sleep', '1']);
    const w = e.run(['wait', 'drm']);
    // As with Docker, the monitor's own removal may win the race against a slow `wait`.
    if (w.code === 0) assert.equal(w.stdout.trim(), '0');
    else assert.match(w.stderr, /No such container: drm/);
    assert.equal(e.run(['inspect', 'drm']).code, 1);
    e.ok(['run', '-d', '--rm', '--name', 'drm2', 'busybox', 'true']);
    while (e.ok(['ps', '-a', '--filter', 'name=drm2', '--format', '{{.Names}}']) === 'drm2') { /* until it exits */ }
    assert.equal(e.run(['inspect', 'drm2']).code, 1);
  });
});

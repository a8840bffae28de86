/** Restart policies, health checks, --init, log cap and volumes through the CLI. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot } from '../helpers.js';
import { Engine, until } from './engineHarness.js';

describe('engine: monitor duties and volumes', requiresRoot, () => {
  const e = new Engine();
  before(() => e.init());
  after(() => e.cleanup());

  test('restart on-failure:3 restarts exactly 3 times', async () => {
    e.ok(['run', '-d', '--name', 'of3', '--restart', 'on-failure:3', 'busybox', 'sh', '-c', 'echo run; exit 2']);
    await until(() => e.inspect('of3').State.Status === 'exited');
    const j = e.inspect('of3');
    assert.equal(j.RestartCount, 3);
    assert.equal(j.State.ExitCode, 2);
    assert.equal(e.ok(['logs', 'of3']), 'run\nrun\nrun\nrun');
    e.ok(['rm', 'of3']);
  });

  test('restart always survives the crash and stop ends it', async () => {
    e.ok(['run', '-d', '--name', 'alw', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 9']);
    await until(() => e.inspect('alw').RestartCount >= 2);
    e.ok(['stop', '-t', '1', 'alw']);
    const st = e.inspect('alw').State;
    assert.equal(st.Running, false);
    assert.equal(st.Status, 'exited');
    const n = e.inspect('alw').RestartCount;
    assert.equal(e.inspect('alw').RestartCount, n, 'no restart after stop');
    assert.equal(e.ok(['ps', '-q', '--filter', 'name=alw']), '');
    e.ok(['rm', 'alw']);
  });

  test('exec reaches a container its restart policy has restarted', async () => {
    e.ok(['run', '-d', '--name', 'again', '--restart', 'always', 'busybox', 'sh', '-c', 'test -e /tmp/once && exec sleep 1000; touch /tmp/once; exit 3']);
    await until(() => e.inspect('again').RestartCount >= 1 && e.inspect('again').State.Running);
    assert.equal(e.ok(['exec', 'again', 'cat', '/proc/1/cmdline']).replace(/\0/g, ' ').trim(), 'sleep 1000');
    e.ok(['rm', '-f', 'again']);
  });

  test('a failing health check turns unhealthy; a passing one healthy', async () => {
    e.ok(['run', '-d', '--name', 'sick', '--health-cmd', 'exit 1', '--health-interval', '100ms', '--health-retries', '2', 'busybox', 'sleep', '1000']);
    e.ok(['run', '-d', '--name', 'fit', '--health-cmd', 'true', '--health-interval', '100ms', 'busybox', 'sleep', '1000']);
    await until(() => e.inspect('sick').State.Health.Status === 'unhealthy');
    await until(() => e.inspect('fit').State.Health.Status === 'healthy');
    assert.match(e.ok(['ps', '--filter', 'name=sick', '--format', '{{.Status}}']), /\(unhealthy\)$/);
    assert.equal(e.ok(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']), 'fit');
    e.ok(['rm', '-f', 'sick', 'fit']);
  });

  test('--init runs the command under berth-init as pid 1', () => {
    const ps = e.ok(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,args']);
    assert.match(ps, /^\s*1 \/sbin\/berth-init -- ps/m);
  });

  test('log cap holds when a container writes 100 MB (default 10m x 3, and --log-opt)', () => {
    const write = 'i=0; while [ $i -lt 100 ]; do head -c 1000000 /dev/zero | tr "\\0" x | fold -w 999; i=$((i+1)); done';
    for (const [name, opts, cap] of [['big', [], 3 * 10 * 1024 * 1024], ['small', ['--log-opt', 'max-size=1m', '--log-opt', 'max-file=2'], 2 * 1024 * 1024]] as const) {
      e.ok(['run', '-d', '--name', name, ...opts, 'busybox', 'sh', '-c', write]);
      assert.equal(e.ok(['wait', name]), '0');
      const logPath: string = e.inspect(name).LogPath;
      const files = fs.readdirSync(path.dirname(logPath)).filter((f) => f.startsWith(path.basename(logPath)));
      const total = files.reduce((n, f) => n + fs.statSync(path.join(path.dirname(logPath), f)).size, 0);
      assert.ok(total <= cap + 64 * 1024, `${name}: ${total} bytes in ${files.length} files`);
      assert.ok(total >= cap / 2, `${name}: rotation kept the recent part (${total})`);
      e.ok(['rm', name]);
    }
  });

  test('named volume: copy-up of image content, shared between containers, ls/inspect/rm/prune', () => {
    e.ok(['run', '--rm', '-v', 'etcvol:/etc', 'busybox', 'sh', '-c', 'echo added > /etc/added']);
    const v = JSON.parse(e.ok(['volume', 'inspect', 'etcvol']))[0];
    assert.equal(v.Name, 'etcvol');
    assert.equal(v.Driver, 'local');
    assert.ok(fs.readFileSync(path.join(v.Mountpoint, 'passwd'), 'utf8').includes('root:x:0:0'), 'seeded from the image');
    assert.equal(e.ok(['run', '--rm', '-v', 'etcvol:/mnt', 'busybox', 'cat', '/mnt/added']), 'added');
    assert.equal(e.ok(['volume', 'ls', '--format', '{{.Name}}', '--filter', 'name=etcvol']), 'etcvol');
    e.ok(['create', '--name', 'holder', '-v', 'etcvol:/x', 'busybox', 'true']);
    assert.equal(e.run(['volume', 'rm', 'etcvol']).code, 1);
    e.ok(['rm', 'holder']);
    e.ok(['volume', 'create', '--label', 'a=b', 'spare']);
    assert.match(e.ok(['volume', 'prune', '-f', '--all']), /Deleted Volumes:\n(etcvol\nspare|spare\netcvol)\n/);
    assert.equal(e.ok(['volume', 'ls', '-q']), '');
  });

  test('--mount type=bind/volume/tmpfs', () => {
    const dir = fs.mkdtempSync('/tmp/berth-mnt-');
    try {
      fs.writeFileSync(path.join(dir, 'f'), 'host');
      const out = e.ok(['run', '--rm', '--mount', `type=bind,source=${dir},target=/b,readonly`, '--mount', 'type=volume,source=mv,target=/v',
        '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m', 'busybox', 'sh', '-c', 'cat /b/f; touch /b/g 2>/dev/null || echo ro; touch /v/ok && echo vol; df -k /t | tail -1 | awk "{print \\$2}"']);
      assert.equal(out, 'hostro\nvol\n1024');
      e.ok(['volume', 'rm', 'mv']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

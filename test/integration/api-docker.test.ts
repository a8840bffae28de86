/**
 * The real docker CLI (28.x, client only) against `berth serve`: DOCKER_HOST at the
 * server's socket and an empty DOCKER_CONFIG. Output and exit codes as Docker's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { requiresRoot, tmpDir } from '../helpers.js';
import { ApiServer, hasDocker } from './apiHarness.js';

const opts = !hasDocker ? { skip: 'the docker CLI is not installed at /usr/local/bin/docker' } : requiresRoot;
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('docker CLI against berth serve', opts, () => {
  let s: ApiServer;
  before(async () => {
    s = await ApiServer.start();
  });
  after(async () => s?.cleanup());
  const ok = (args: string[], input?: string) => {
    const r = s.docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('docker version and info', () => {
    const v = ok(['version']);
    assert.match(v, /Server: berth/);
    assert.match(v, /API version:\s+1\.47 \(minimum version 1\.24\)/);
    assert.equal(ok(['version', '--format', '{{.Server.APIVersion}}']).trim(), '1.47');
    const i = ok(['info', '--format', '{{.OSType}} {{.Driver}}']);
    assert.equal(i.trim(), 'linux overlay');
  });

  test('docker run --rm busybox echo hi prints hi, every time (attach and wait before start)', () => {
    for (let i = 0; i < 10; i++) {
      const r = s.docker(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'hi']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'hi\n', ''], `run ${i}`);
    }
    assert.equal(ok(['ps', '-aq']), '', '--rm removed them all');
  });

  test('exit codes as Docker: 0, 1, N, 125, 126, 127', () => {
    assert.equal(s.docker(['run', '--rm', '--network', 'none', 'busybox', 'true']).code, 0);
    assert.equal(s.docker(['run', '--rm', '--network', 'none', 'busybox', 'false']).code, 1);
    assert.equal(s.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']).code, 3);
    const missing = s.docker(['run', '--rm', '--network', 'none', 'busybox', 'no-such-command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /executable file not found/);
    const notExec = s.docker(['run', '--rm', '--network', 'none', 'busybox', '/etc']);
    assert.equal(notExec.code, 126);
    const bad = s.docker(['run', '--rm', '--network', 'none', '--memory', '1k', 'busybox', 'true']);
    assert.equal(bad.code, 125, bad.stderr);
    assert.match(bad.stderr, /Error response from daemon/);
  });

  test('stdin: echo hello | docker run -i busybox cat; stdout and stderr apart', () => {
    const r = s.docker(['run', '--rm', '-i', '--network', 'none', 'busybox', 'cat'], 'hello\n');
    assert.deepEqual([r.code, r.stdout], [0, 'hello\n']);
    const e = s.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2']);
    assert.equal(e.stdout, 'to-out\n');
    assert.equal(e.stderr, 'to-err\n');
  });

  test('run -it in a real terminal (script): a TTY, the size the terminal has, the exit code', { skip: !hasScript && 'script(1) is not installed' }, () => {
    const cmd = `stty rows 31 cols 101; docker run --rm -it --network none busybox sh -c 'tty; sleep 0.3; stty size; exit 6'`;
    const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', env: s.dockerEnv(), timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 6, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /31 101/);
  });

  test('run -d, ps, logs -f, exec, exec -it, top, stats, inspect, rename, pause/unpause, stop, kill, wait, rm -f', () => {
    const id = ok(['run', '-d', '--name', 'web', '--network', 'none', 'busybox', 'sh', '-c', 'echo started; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(ok(['ps', '--format', '{{.Names}} {{.Image}} {{.Status}}']), /^web busybox Up/m);
    assert.equal(ok(['inspect', '-f', '{{.State.Running}} {{.Config.Image}}', 'web']).trim(), 'true busybox');
    assert.equal(ok(['exec', 'web', 'echo', 'in-exec']), 'in-exec\n');
    assert.equal(s.docker(['exec', 'web', 'sh', '-c', 'exit 4']).code, 4);
    assert.equal(s.docker(['exec', 'web', 'no-such-command']).code, 126);
    assert.equal(ok(['exec', '-i', 'web', 'cat'], 'through exec\n'), 'through exec\n');
    if (hasScript) {
      const r = spawnSync('script', ['-qefc', 'docker exec -it web sh -c "tty; exit 2"', '/dev/null'], { encoding: 'utf8', env: s.dockerEnv(), timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(r.status, 2, r.stdout);
      assert.match(r.stdout, /\/dev\/pts\/\d+/);
    }
    assert.match(ok(['top', 'web']), /PID/);
    assert.match(ok(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'web']), /^web \d+/);
    ok(['rename', 'web', 'web2']);
    ok(['pause', 'web2']);
    assert.match(ok(['ps', '--format', '{{.Status}}', '--filter', 'name=web2']), /Paused/);
    ok(['unpause', 'web2']);
    assert.equal(ok(['stop', 'web2']).trim(), 'web2');
    assert.equal(ok(['wait', 'web2']).trim(), '0');
    assert.equal(ok(['logs', 'web2']), 'started\nbye\n');
    ok(['start', 'web2']);
    ok(['kill', 'web2']);
    assert.equal(ok(['wait', 'web2']).trim(), '137');
    assert.equal(ok(['rm', '-f', 'web2']).trim(), 'web2');
    assert.equal(s.docker(['inspect', 'web2']).code, 1);
  });

  test('logs -f follows until the container exits', () => {
    ok(['run', '-d', '--name', 'lf', '--network', 'none', 'busybox', 'sh', '-c', 'echo one; sleep 1; echo two >&2; sleep 1; echo three']);
    const r = s.docker(['logs', '-f', 'lf']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'one\nthree\n');
    assert.equal(r.stderr, 'two\n');
    ok(['rm', 'lf']);
  });

  test('docker cp both ways', () => {
    const dir = tmpDir('berth-api-cp-');
    try {
      ok(['run', '-d', '--name', 'cp', '--network', 'none', 'busybox', 'sleep', '300']);
      fs.writeFileSync(path.join(dir, 'in.txt'), 'to the container\n');
      fs.mkdirSync(path.join(dir, 'tree/sub'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'tree/sub/f'), 'deep\n');
      ok(['cp', path.join(dir, 'in.txt'), 'cp:/tmp/']);
      ok(['cp', path.join(dir, 'tree'), 'cp:/tmp/tree']);
      assert.equal(ok(['exec', 'cp', 'cat', '/tmp/in.txt', '/tmp/tree/sub/f']), 'to the container\ndeep\n');
      ok(['cp', 'cp:/tmp/in.txt', path.join(dir, 'back.txt')]);
      assert.equal(fs.readFileSync(path.join(dir, 'back.txt'), 'utf8'), 'to the container\n');
      ok(['cp', 'cp:/tmp/tree/.', path.join(dir, 'merged')]);
      assert.equal(fs.readFileSync(path.join(dir, 'merged', 'sub', 'f'), 'utf8'), 'deep\n');
      ok(['cp', 'cp:/etc', path.join(dir, 'etc')]);
      assert.ok(fs.existsSync(path.join(dir, 'etc', 'passwd')));
      assert.match(ok(['diff', 'cp']), /A \/tmp\/in\.txt/);
      ok(['rm', '-f', 'cp']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('parallel docker run -d: all running, distinct names and addresses, nothing half-made', async () => {
    const N = 10;
    const runs = Array.from({ length: N }, () => new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const p = spawn('/usr/local/bin/docker', ['run', '-d', 'busybox', 'sleep', '300'], { env: s.dockerEnv() });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => resolve({ code: code ?? 128, out, err }));
    }));
    const done = await Promise.all(runs);
    for (const r of done) assert.equal(r.code, 0, r.err);
    const ids = done.map((r) => r.out.trim());
    assert.equal(new Set(ids).size, N);
    const rows = ok(['inspect', '-f', '{{.Name}} {{.State.Running}} {{.NetworkSettings.IPAddress}}', ...ids]).trim().split('\n');
    assert.equal(rows.length, N);
    assert.ok(rows.every((r) => / true \d+\.\d+\.\d+\.\d+$/.test(r)), rows.join('\n'));
    assert.equal(new Set(rows.map((r) => r.split(' ')[0])).size, N, 'distinct names');
    assert.equal(new Set(rows.map((r) => r.split(' ')[2])).size, N, 'distinct addresses');
    const running = ok(['ps', '-q', '--no-trunc']).trim().split('\n');
    assert.ok(ids.every((id) => running.includes(id)));
    ok(['rm', '-f', ...ids]);
    assert.ok(!ok(['ps', '-aq', '--no-trunc']).split('\n').some((id) => ids.includes(id)));
  });

  test('a missing image: create answers 404, the CLI tries to pull (berth does not serve pulls here)', () => {
    const r = s.docker(['run', '--rm', '--network', 'none', 'no-such-image-here']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unable to find image 'no-such-image-here:latest' locally/);
  });
});

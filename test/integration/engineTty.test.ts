/** -i, -it through a real pty (prompt, resize, ctrl-p ctrl-q detach), attach. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { berthBin, fixturesDir, requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';

describe('engine: stdin, TTY and attach', requiresRoot, () => {
  const e = new Engine();
  const bin = tmpDir('berth-ptydrive-');
  const drive = path.join(bin, 'ptydrive');
  before(async () => {
    await e.init();
    execFileSync('gcc', ['-O', '-o', drive, path.join(fixturesDir, 'pty', 'ptydrive.c'), '-lutil']);
  });
  after(() => {
    e.cleanup();
    spawnSync('rm', ['-rf', bin]);
  });

  test('run -i feeds stdin and returns the exit code', () => {
    const r = e.run(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'read x; echo "got $x"; exit 4'], 'hello\n');
    assert.equal(r.stdout, 'got hello\n');
    assert.equal(r.code, 4);
  });

  test('run -it on a real pty: prompt, stty size follows a resize, ctrl-p ctrl-q detaches', () => {
    const r = spawnSync(drive, [process.execPath, berthBin, '--root', e.root, 'run', '-it', '--name', 'tty', 'busybox', 'sh'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /# /);
    assert.match(r.stdout, /24 80/);
    assert.match(r.stdout, /40 100/);
    assert.match(r.stdout, /read escape sequence\r?\n/);
    assert.match(r.stdout, /EXIT 0\n$/);
    assert.equal(e.inspect('tty').State.Running, true, 'still running after detach');
    assert.equal(e.inspect('tty').Config.Tty, true);
    e.ok(['rm', '-f', 'tty']);
  });

  test('attach to a -di container: stdin in, output out, its exit code', () => {
    e.ok(['run', '-d', '-i', '--name', 'att', 'busybox', 'sh', '-c', 'while read l; do echo "echo:$l"; [ "$l" = quit ] && exit 6; done']);
    const r = e.run(['attach', 'att'], 'a\nquit\n');
    assert.equal(r.stdout, 'echo:a\necho:quit\n');
    assert.equal(r.code, 6);
    assert.equal(e.run(['attach', 'att']).code, 1, 'stopped containers cannot be attached');
    e.ok(['rm', 'att']);
  });

  test('start -a streams the output and returns the exit code', () => {
    e.ok(['create', '--name', 'sa', 'busybox', 'sh', '-c', 'echo started; exit 5']);
    const r = e.run(['start', '-a', 'sa']);
    assert.equal(r.stdout, 'started\n');
    assert.equal(r.code, 5);
    e.ok(['rm', 'sa']);
  });
  test('attach to a -dit container on a real pty: ctrl-p ctrl-q detaches with "read escape sequence", exit 0', () => {
    e.ok(['run', '-dit', '--name', 'attd', '--network', 'none', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.2; done']);
    try {
      const r = spawnSync(drive, [process.execPath, berthBin, '--root', e.root, 'attach', 'attd'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PTYDRIVE_EXPECT: 'tick' } });
      assert.equal(r.status, 0, r.stdout);
      assert.match(r.stdout, /read escape sequence\r?\n/);
      assert.match(r.stdout, /EXIT 0\n$/);
      assert.equal(e.inspect('attd').State.Running, true, 'still running after detach');
    } finally {
      e.run(['rm', '-f', 'attd']);
    }
  });
});

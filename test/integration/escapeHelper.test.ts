/**
 * Escapes through the helper itself, done for real from inside a container (default flags):
 * a working directory that is one of the helper's inherited fds (CVE-2024-21626: WORKDIR,
 * -w and exec -w of /proc/self/fd/N), TIOCSTI into the operator's terminal during `exec`,
 * a `#!/proc/self/exe` interpreter that makes the container run the host's helper binary
 * and then writes to it (CVE-2019-5736), and a PTRACE_SEIZE/environ reader racing `exec`
 * (with and without no-new-privileges). The attacks are static C probes built in the run
 * (test/fixtures/hostile/); each test asserts the attack got nothing of the host's.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { importImage } from '../../src/image/importImage.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { helperPath } from '../../src/sys/paths.js';
import { berthBin, busyboxRootfs, fixturesDir, requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';
import { hasCompiler } from './escapeHarness.js';

const HOSTILE = path.join(fixturesDir, 'hostile');
const skip = requiresRoot.skip ?? (hasCompiler() ? false : 'needs cc -static (gcc, libc6-dev)');

/** busybox plus the static probe at /bin/hostile, /evil (a script run by /proc/self/exe) and `changes`. */
async function hostileImage(e: Engine, tag: string, changes: string[] = []): Promise<void> {
  const dir = tmpDir('berth-eschelper-img-');
  try {
    const rootfs = busyboxRootfs(path.join(dir, 'rootfs'));
    execFileSync('cc', ['-static', '-O1', '-o', path.join(rootfs, 'bin', 'hostile'), path.join(HOSTILE, 'hostile.c')]);
    fs.writeFileSync(path.join(rootfs, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
    const tar = path.join(dir, 'rootfs.tar');
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tar, '.']);
    await importImage(ImageStore.open(e.root), fs.createReadStream(tar), { tag, changes: ['CMD ["sh"]', ...changes], source: 'test' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `berth ARGS` as the operator would run it, with extra environment. */
function berth(e: Engine, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [berthBin, '--root', e.root, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('escape through the helper: inherited fds as the working directory (CVE-2024-21626)', { skip }, () => {
  const e = new Engine('berth-eschelper-cwd-');
  const FDS = Array.from({ length: 62 }, (_, i) => i + 3);
  /** A host file the container must not reach through any working directory. */
  const marker = `berth-eschelper-${process.pid}`;
  const hostMarker = path.join('/tmp', marker);
  // From the working directory, up to the top of whatever it is and back down to the host's /tmp.
  const peek = ['sh', '-c', `cat ${'../'.repeat(12)}tmp/${marker} 2>/dev/null; ls ${'../'.repeat(12)} 2>/dev/null | head -3; true`];
  before(async () => {
    await e.init();
    fs.writeFileSync(hostMarker, 'HOST-FILE-REACHED\n');
  });
  after(() => {
    fs.rmSync(hostMarker, { force: true });
    e.cleanup();
  });

  /** The run failed cleanly, or ran without reaching the host file. */
  function refused(r: { code: number; stdout: string; stderr: string }, what: string, code = 125): void {
    assert.doesNotMatch(r.stdout, /HOST-FILE-REACHED/, `${what}: the host's /tmp reached: ${r.stdout}`);
    if (r.code === 0) return;
    assert.equal(r.code, code, `${what}: ${r.stderr}`);
    assert.match(r.stderr.trim(), /^berth: cwd \/proc\/self\/fd\/\d+: (too many levels of symbolic links|no such file or directory)$/m, `${what}: one clear line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack`);
  }

  test('run -w /proc/self/fd/N, N = 3..64: refused, never the host', () => {
    for (const n of FDS) refused(berth(e, ['run', '--rm', '-w', `/proc/self/fd/${n}`, 'busybox', ...peek]), `-w fd ${n}`);
  });

  test('an image with WORKDIR /proc/self/fd/N, N = 3..64: refused, never the host', async () => {
    for (const n of FDS) {
      await hostileImage(e, `wd:${n}`, [`WORKDIR /proc/self/fd/${n}`]);
      refused(berth(e, ['run', '--rm', `wd:${n}`, ...peek]), `WORKDIR fd ${n}`);
      e.run(['rmi', `wd:${n}`]);
    }
  });

  test('exec -w /proc/self/fd/N, N = 3..64, in a running container: refused, never the host', () => {
    e.ok(['run', '-d', '--name', 'cwd', 'busybox', 'sleep', '600']);
    for (const n of FDS) refused(berth(e, ['exec', '-w', `/proc/self/fd/${n}`, 'cwd', ...peek]), `exec -w fd ${n}`, 126);
    // The refusal is about the magic link, not -w as such.
    assert.equal(e.ok(['exec', '-w', '/proc', 'cwd', 'pwd']), '/proc');
  });
});

describe('escape through exec stdio: TIOCSTI into the operator\'s terminal', { skip }, () => {
  const e = new Engine('berth-eschelper-tty-');
  const work = tmpDir('berth-eschelper-tty-work-');
  const ptyrun = path.join(work, 'ptyrun');
  before(async () => {
    execFileSync('cc', ['-O1', '-o', ptyrun, path.join(HOSTILE, 'ptyrun.c')]);
    await hostileImage(e, 'hostile:1');
    e.ok(['run', '-d', '--name', 'tty', 'hostile:1', 'sleep', '600']);
  });
  after(() => {
    e.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** `berth exec FLAGS tty hostile tty` from a shell's terminal: what it printed and what it left in that terminal's input. */
  function attack(flags: string[]): { out: string; queue: string; code: number } {
    const r = spawnSync(ptyrun, [process.execPath, berthBin, '--root', e.root, 'exec', ...flags, 'tty', 'hostile', 'tty'], { encoding: 'utf8', timeout: 60_000 });
    const [out, queue = ''] = r.stdout.split('INPUT-QUEUE:');
    return { out, queue: queue.trim(), code: r.status ?? 128 };
  }

  for (const flags of [[], ['-i'], ['-t'], ['-it']]) {
    test(`exec ${flags.join(' ') || '(no flags)'}: nothing reaches the operator's terminal input`, () => {
      const r = attack(flags);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /fd 0: /, `the probe ran: ${r.out}`);
      assert.equal(r.queue, '', `injected into the host terminal: ${JSON.stringify(r.queue)}`);
      if (!flags.some((f) => f.includes('t'))) {
        // Pipes, not the caller's terminal; no controlling terminal in its own session.
        for (const fd of ['fd 0', 'fd 1', 'fd 2', '/proc/self/fd/0', '/proc/self/fd/1', '/proc/self/fd/2'])
          assert.match(r.out, new RegExp(`^${fd.replace(/\//g, '\\/')}: Inappropriate ioctl for device`, 'm'), `${fd}: ${r.out}`);
        assert.match(r.out, /^\/dev\/tty: No such device or address/m, r.out);
      }
    });
  }

  test('exec without -i reads end-of-file; with -i it gets the input', () => {
    assert.equal(berth(e, ['exec', 'tty', 'cat']).code, 0, 'cat ends at once without -i');
    const r = spawnSync(process.execPath, [berthBin, '--root', e.root, 'exec', '-i', 'tty', 'cat'], { encoding: 'utf8', input: 'piped in\n' });
    assert.equal(r.stdout, 'piped in\n', r.stderr);
  });
});

describe('escape through /proc/self/exe: the host helper binary (CVE-2019-5736)', { skip }, () => {
  const e = new Engine('berth-eschelper-exe-');
  const work = tmpDir('berth-eschelper-exe-work-');
  // A copy no monitor runs (an upgrade, a BERTH_HELPER of the operator's): nothing holds it busy.
  const decoy = path.join(work, 'berth-helper');
  let sum = '';
  before(async () => {
    fs.copyFileSync(helperPath, decoy);
    fs.chmodSync(decoy, 0o755);
    sum = sha(decoy);
    await hostileImage(e, 'hostile:1');
  });
  after(() => {
    e.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a #!/proc/self/exe interpreter runs no writable host file, and the decoy helper stays unchanged', async () => {
    e.ok(['run', '-d', '--name', 'exe', 'hostile:1', 'sleep', '600']);
    // In the container: hold an O_PATH fd of every new process's /proc/PID/exe, reopen each for writing.
    e.ok(['exec', '-d', 'exe', 'sh', '-c', 'hostile exe-writer 6000 > /tmp/writer.out 2>&1; echo done >> /tmp/writer.out']);
    for (let i = 0; i < 20; i++) {
      const r = berth(e, ['exec', 'exe', '/evil'], { BERTH_HELPER: decoy });
      assert.notEqual(r.code, 0, 'the helper is not a container command');
    }
    const out = await waitFor(() => {
      const r = e.run(['exec', 'exe', 'cat', '/tmp/writer.out']);
      return /done/.test(r.stdout) ? r.stdout : undefined;
    });
    assert.doesNotMatch(out, /WROTE/, `the container wrote to a helper binary: ${out}`);
    assert.match(out, /held [1-9]/, `the probe saw the helper's processes: ${out}`);
    assert.equal(sha(decoy), sum, 'the decoy helper copy is unchanged');
  });

  test('an ENTRYPOINT of #!/proc/self/exe: pid 1 runs the helper read-only, not the host file', async () => {
    await hostileImage(e, 'evil:1', ['ENTRYPOINT ["/evil"]']);
    const r = berth(e, ['run', '--rm', 'evil:1'], { BERTH_HELPER: decoy });
    assert.notEqual(r.code, 0);
    assert.equal(sha(decoy), sum);
  });
});

describe('escape through exec: ptrace and environ of the helper before it runs the command', { skip }, () => {
  const e = new Engine('berth-eschelper-race-');
  const SECRET = `HOST-ONLY-${process.pid}-c0ffee`;
  before(async () => {
    await hostileImage(e, 'hostile:1');
  });
  after(() => e.cleanup());

  for (const nnp of [false, true]) {
    test(`a root process racing 40 execs sees no helper and no host environment${nnp ? ' (no-new-privileges)' : ''}`, async () => {
      const name = nnp ? 'race-nnp' : 'race';
      e.ok(['run', '-d', '--name', name, ...(nnp ? ['--security-opt', 'no-new-privileges'] : []), 'hostile:1', 'sleep', '600']);
      e.ok(['exec', '-d', name, 'sh', '-c', `hostile race 8000 ${SECRET} > /tmp/race.out 2>&1; echo done >> /tmp/race.out`]);
      // The operator's environment holds the secret; the container's does not.
      for (let i = 0; i < 40; i++) assert.equal(berth(e, ['exec', name, 'true'], { OPERATOR_TOKEN: SECRET }).code, 0);
      const out = await waitFor(() => {
        const r = e.run(['exec', name, 'cat', '/tmp/race.out']);
        return /done/.test(r.stdout) ? r.stdout : undefined;
      });
      assert.doesNotMatch(out, /LEAK/, `the host environment was read: ${out}`);
      assert.doesNotMatch(out, /SEIZED-HELPER/, `the helper was ptrace-able before exec: ${out}`);
      assert.match(out, /seized \d+/, out);
    });
  }
});

async function waitFor<T>(f: () => T | undefined, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const v = f();
    if (v !== undefined) return v;
  }
  throw new Error('timed out');
}

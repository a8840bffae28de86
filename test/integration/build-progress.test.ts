/** `--progress`: plain off a terminal, the collapsing TTY view under a real pty (`script`), quiet, and bad values. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requiresRoot, tmpDir } from '../helpers.js';
import { berthCommand, Engine } from './engineHarness.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('berth build --progress', requiresRoot, () => {
  let e: Engine;
  let ctx = '';
  before(async () => {
    e = await new Engine('berth-build-progress-').init();
    ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY Dockerfile /d\nRUN echo output-of-run\nRUN echo second\n');
  });
  after(() => e.cleanup());
  /** The build under a pty: everything it wrote (escapes kept), and its exit code. */
  const inPty = (args: string[]) => {
    const [bin, argv] = berthCommand(['--root', e.root, 'build', '--network', 'none', ...args]);
    const r = spawnSync('script', ['-qefc', `stty cols 120; exec ${[bin, ...argv].map(q).join(' ')}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm' } });
    return { code: r.status, out: r.stdout.replace(/\r/g, '') };
  };
  /** The last frame drawn (after the last clear-to-end). */
  const lastFrame = (out: string) => out.slice(out.lastIndexOf('\x1b[J') + 3);

  test('auto on a terminal: a view redrawn in place, finished steps collapsed to one line with their time, CACHED on a rebuild', { skip: !hasScript && 'script(1) is not installed' }, () => {
    const r = inPty(['-t', 'prog', ctx]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\x1b\[\d+A/);
    const f = lastFrame(r.out);
    assert.match(f, /^\[\+\] Building \d+\.\ds \(5\/5\) FINISHED\n/);
    for (const s of ['[1/4] FROM busybox', '[2/4] COPY Dockerfile /d', '[3/4] RUN echo output-of-run', '[4/4] RUN echo second', 'exporting to image']) {
      assert.match(f, new RegExp(`^ => ${s.replace(/[[\]/+.]/g, '\\$&')} +\\d+\\.\\ds$`, 'm'), f);
    }
    assert.doesNotMatch(f, /=> => #|output-of-run\n/);
    const again = lastFrame(inPty(['-t', 'prog', ctx]).out);
    assert.match(again, /^ => CACHED \[3\/4\] RUN echo output-of-run +0\.0s$/m);
  });

  test('a failing step on a terminal: the view, then its output in full and the error, then the one-line error', { skip: !hasScript && 'script(1) is not installed' }, () => {
    const bad = tmpDir();
    fs.writeFileSync(path.join(bad, 'Dockerfile'), 'FROM busybox\nRUN echo about to fail; exit 3\n');
    const r = inPty([bad]);
    assert.equal(r.code, 1, r.out);
    const f = lastFrame(r.out);
    assert.match(f, /^\[\+\] Building .* \(\d\/2\)\n/);
    assert.match(f, /^ => ERROR \[2\/2\] RUN echo about to fail; exit 3 +\d+\.\ds$/m);
    assert.match(f, /------\n > \[2\/2\] RUN echo about to fail; exit 3:\n\d+\.\d{3} about to fail\n------\nERROR: .*exit code: 3\nberth: Dockerfile:2: .*exit code: 3\n$/);
  });

  test('auto off a terminal is plain; --progress=tty forces the view; quiet prints nothing; a bad value is refused', () => {
    const plain = e.run(['build', '--network', 'none', ctx]);
    assert.equal(plain.code, 0);
    assert.match(plain.stderr, /^#1 \[1\/4\] FROM busybox\n#1 DONE/);
    assert.doesNotMatch(plain.stderr, /\x1b/);
    const tty = e.run(['build', '--network', 'none', '--progress=tty', ctx]);
    assert.match(lastFrame(tty.stderr), /FINISHED/);
    const quiet = e.run(['build', '--network', 'none', '--progress=quiet', ctx]);
    assert.deepEqual([quiet.code, quiet.stderr], [0, '']);
    assert.match(quiet.stdout, /^sha256:[a-f0-9]{64}\n$/);
    const b = e.run(['build', '--progress=fancy', ctx]);
    assert.deepEqual([b.code, b.stderr], [1, 'berth: invalid progress mode "fancy" (auto, plain, tty, quiet)\n']);
  });
});

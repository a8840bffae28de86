import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ImageStore } from '../../src/image/ImageStore.js';
import { loadArchive } from '../../src/image/loadArchive.js';
import { berthBin, requiresRoot, tmpDir } from '../helpers.js';
import { dockerArchive, layerTar, newEntry } from '../imageHelpers.js';
import { berthAsync, hasRegistry, startRegistry } from '../registryHarness.js';

const hasScript = fs.existsSync('/usr/bin/script');
const needs = !hasRegistry ? { skip: 'needs Debian docker-registry' } : !hasScript ? { skip: 'needs script(1) from util-linux' } : requiresRoot;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** berth under a real pty: `script -qfc CMD /dev/null` (util-linux); returns what the terminal got. */
function berthPty(root: string, cfg: string, args: string[]): Promise<{ status: number; raw: string }> {
  const cmd = [process.execPath, berthBin, '--root', root, ...args].map(q).join(' ');
  return new Promise((resolve) => {
    const c = execFile('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, BERTH_ACCEL: '0', BERTH_CONFIG: cfg, TERM: 'xterm' } }, (err, stdout) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, raw: stdout });
    });
    c.stdin!.end();
  });
}

/**
 * A terminal just big enough for the test: text, CR, LF, cursor up/down (`ESC[nA`/`ESC[nB`),
 * clear line (`ESC[2K`). Returns the screen's lines at the end.
 */
function render(raw: string): string[] {
  const screen: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\x1b') {
      const m = /^\x1b\[(\d*)([A-Za-z])/.exec(raw.slice(i));
      assert.ok(m, `unexpected escape at ${i}: ${JSON.stringify(raw.slice(i, i + 10))}`);
      const n = Number(m[1] || '1');
      if (m[2] === 'A') row = Math.max(0, row - n);
      else if (m[2] === 'B') row += n;
      else if (m[2] === 'K') screen[row] = '';
      else assert.fail(`escape ${m[0]} not expected`);
      while (screen.length <= row) screen.push('');
      i += m[0].length - 1;
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      while (screen.length <= row) screen.push('');
    } else {
      const line = screen[row].padEnd(col);
      screen[row] = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
  }
  while (screen.length && screen[screen.length - 1] === '') screen.pop();
  return screen.map((l) => l.trimEnd());
}

test('progress on a TTY (a real pty): one line per layer redrawn in place with Docker\'s bars and words; plain lines without a TTY; -q only the reference', needs, async (t) => {
  const dir = tmpDir('berth-progress-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'config');
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const repo = `${reg.host}/prog/app`;
  const src = path.join(dir, 'src');
  const layers = [1, 2, 3, 4].map((i) => layerTar([[newEntry({ name: `f${i}`, type: 'file' }), crypto.randomBytes(3 << 20)]]));
  async function* once(b: Buffer) {
    yield b;
  }
  await loadArchive(ImageStore.open(src), once(dockerArchive(layers, { tag: `${repo}:1` })));
  const ids = ImageStore.open(src).resolve(`${repo}:1`).manifest.layers.map((l) => l.digest.slice(7, 19));

  // push: Preparing, Waiting (4 layers, 3 at a time), Pushing [bar] redrawn, Pushed
  const push = await berthPty(src, cfg, ['push', `${repo}:1`]);
  assert.equal(push.status, 0, push.raw);
  assert.match(push.raw, /\x1b\[\d+A\r\x1b\[2K[0-9a-f]{12}: Pushing \[=*> *\] +[\d.]+[kM]?B\/[\d.]+MB\r\x1b\[\d+B/, 'a bar redrawn in place');
  assert.match(push.raw, /[0-9a-f]{12}: Waiting\r/);
  const pushScreen = render(push.raw);
  assert.deepEqual(pushScreen.slice(0, 5), [`The push refers to repository [${repo}]`, ...ids.map((id) => `${id}: Pushed`)]);
  assert.match(pushScreen[5], /^1: digest: sha256:[0-9a-f]{64} size: \d+$/);
  assert.equal(pushScreen.length, 6);
  const again = render((await berthPty(src, cfg, ['push', `${repo}:1`])).raw);
  assert.deepEqual(again.slice(1, 5), ids.map((id) => `${id}: Layer already exists`));
  assert.equal((await berthAsync(src, cfg, ['tag', `${repo}:1`, `${reg.host}/prog/other:1`])).status, 0);
  const mounted = render((await berthPty(src, cfg, ['push', `${reg.host}/prog/other:1`])).raw);
  assert.deepEqual(mounted.slice(1, 5), ids.map((id) => `${id}: Mounted from prog/app`));

  // pull: Pulling fs layer, Waiting, Downloading [bar] redrawn, Verifying Checksum, Download complete, Extracting, Pull complete
  const pull = await berthPty(path.join(dir, 'b'), cfg, ['pull', `${repo}:1`]);
  assert.equal(pull.status, 0, pull.raw);
  assert.match(pull.raw, /\x1b\[\d+A\r\x1b\[2K[0-9a-f]{12}: Downloading \[=*> *\] +[\d.]+[kM]?B\/[\d.]+MB\r\x1b\[\d+B/, 'a bar redrawn in place');
  for (const w of ['Waiting', 'Verifying Checksum', 'Download complete', 'Extracting [', 'Pull complete']) assert.ok(pull.raw.includes(`: ${w}`), w);
  const screen = render(pull.raw);
  assert.equal(screen[0], '1: Pulling from prog/app');
  assert.deepEqual(screen.slice(1, 5), ids.map((id) => `${id}: Pull complete`), 'each layer\'s line ends as Pull complete, in place');
  assert.match(screen[5], /^Digest: sha256:[0-9a-f]{64}$/);
  assert.deepEqual(screen.slice(6), [`Status: Downloaded newer image for ${repo}:1`, `${repo}:1`]);

  // -q on a TTY: only the reference
  const quiet = await berthPty(path.join(dir, 'c'), cfg, ['pull', '-q', `${repo}:1`]);
  assert.equal(quiet.raw.replace(/\r\n/g, '\n'), `${repo}:1\n`);

  // not a TTY: one plain line per change, no bars, no escapes
  const plain = await berthAsync(path.join(dir, 'd'), cfg, ['pull', `${repo}:1`]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.ok(!plain.stdout.includes('\x1b') && !plain.stdout.includes('Downloading') && !plain.stdout.includes('['), plain.stdout);
  for (const id of ids) assert.match(plain.stdout, new RegExp(`${id}: Pulling fs layer\n[^]*${id}: Verifying Checksum\n${id}: Download complete\n[^]*${id}: Pull complete\n`));
});

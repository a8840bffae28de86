/** Pure parts of COPY/ADD and the stdin context, without root: --parents paths, --exclude, URL names and schemes, stdin detection, the context tar writer, the TTY view. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import zlib from 'node:zlib';
import { excludeMatcher, parentsPath } from '../../../src/build/addSources.js';
import { BuildContext } from '../../../src/build/buildContext.js';
import { parseChecksum, urlFileName, urlScheme } from '../../../src/build/downloadUrl.js';
import { Progress } from '../../../src/build/progress.js';
import { stdinKind, unpackContext } from '../../../src/build/tarContext.js';
import { newEntry } from '../../../src/image/tar/TarEntry.js';
import { END_OF_ARCHIVE, encodeHeader, padFor } from '../../../src/image/tar/TarWriter.js';
import { tmpDir } from '../../helpers.js';

test('--parents: the path from the context root, or from the /./ pivot', () => {
  assert.equal(parentsPath('src/*/package.json', 'src/a/package.json'), 'src/a/package.json');
  assert.equal(parentsPath('./src/./app2/deep', 'src/app2/deep'), 'app2/deep');
  assert.equal(parentsPath('/x/./y/*.txt', 'x/y/a.txt'), 'y/a.txt');
  assert.equal(parentsPath('./a.txt', 'a.txt'), 'a.txt');
});

test('--exclude: .dockerignore patterns (** and ! exceptions), several flags together', () => {
  const m = excludeMatcher(['*.md', '**/tmp', '!keep.md'])!;
  assert.equal(m.excluded('a.md'), true);
  assert.equal(m.excluded('keep.md'), false);
  assert.equal(m.excluded('deep/x/tmp/f'), true);
  assert.equal(m.excluded('b.txt'), false);
  assert.equal(excludeMatcher([]), undefined);
});

test('ADD URLs: schemes, file names from the path (else download), checksum form', () => {
  assert.equal(urlScheme('https://h/x'), 'http');
  assert.equal(urlScheme('HTTP://h/x'), 'http');
  assert.equal(urlScheme('ftp://h/x'), 'other');
  assert.equal(urlScheme('file:///etc/passwd'), 'other');
  assert.equal(urlScheme('local/file.txt'), undefined);
  assert.equal(urlFileName('http://h/a/b/app.tar.gz?x=1#f'), 'app.tar.gz');
  assert.equal(urlFileName('http://h/a/my%20file'), 'my file');
  assert.equal(urlFileName('http://h/'), 'download');
  assert.equal(urlFileName('http://h/a/%2e%2e'), 'download');
  assert.equal(urlFileName('http://h/a/%zz'), 'download');
  assert.equal(parseChecksum(`sha256:${'a'.repeat(64)}`), 'a'.repeat(64));
  assert.equal(parseChecksum('sha256:abc'), undefined);
  assert.equal(parseChecksum(`md5:${'a'.repeat(32)}`), undefined);
});

const tar = (entries: [Parameters<typeof newEntry>[0], string?][]) => Buffer.concat([
  ...entries.flatMap(([e, body]) => {
    const b = Buffer.from(body ?? '');
    return [encodeHeader(newEntry({ ...e, size: e.type === 'file' ? b.length : 0 })), ...(e.type === 'file' ? [b, padFor(b.length)] : [])];
  }),
  END_OF_ARCHIVE,
]);

test('stdin: a tar (plain, gzip) is a context, anything else a Dockerfile', () => {
  const t = tar([[{ name: 'Dockerfile', type: 'file' }, 'FROM scratch\n']]);
  assert.equal(stdinKind(t.subarray(0, 512)), 'tar');
  assert.equal(stdinKind(zlib.gzipSync(t).subarray(0, 512)), 'gzip');
  assert.equal(stdinKind(Buffer.from('FROM busybox\nRUN true\n')), 'dockerfile');
  assert.equal(stdinKind(Buffer.alloc(0)), 'dockerfile');
});

test('context tar: modes, times, links and symlinks kept; writes through a symlink and hard links out refused; devices left out', async () => {
  const dir = tmpDir();
  const t = tar([
    [{ name: './d/', type: 'dir', mode: 0o750, mtime: 1000 }],
    [{ name: 'd/f', type: 'file', mode: 0o640, mtime: 2000 }, 'body'],
    [{ name: 'd/hard', type: 'link', linkname: 'd/f' }],
    [{ name: 'up', type: 'symlink', linkname: '../../etc' }],
    [{ name: 'null', type: 'char', devmajor: 1, devminor: 3 }],
    [{ name: 'etc/passwd', type: 'file' }, 'inside'],
  ]);
  await unpackContext(t.subarray(0, 512), Readable.from([t.subarray(512)]), dir);
  assert.equal(fs.statSync(path.join(dir, 'd')).mode & 0o7777, 0o750);
  assert.equal(fs.statSync(path.join(dir, 'd')).mtimeMs, 1000_000);
  assert.equal(fs.statSync(path.join(dir, 'd', 'f')).mode & 0o7777, 0o640);
  assert.equal(fs.readFileSync(path.join(dir, 'd', 'hard'), 'utf8'), 'body');
  assert.equal(fs.statSync(path.join(dir, 'd', 'hard')).ino, fs.statSync(path.join(dir, 'd', 'f')).ino);
  assert.equal(fs.readlinkSync(path.join(dir, 'up')), '../../etc');
  assert.equal(fs.existsSync(path.join(dir, 'null')), false);
  // The kept symlink resolves inside the context.
  assert.equal(new BuildContext(dir, undefined).resolve('up/passwd'), 'etc/passwd');
  const refuse = async (entries: Parameters<typeof tar>[0], re: RegExp) => {
    const d = tmpDir();
    const b = tar(entries);
    await assert.rejects(unpackContext(b.subarray(0, 512), Readable.from([b.subarray(512)]), d), re);
  };
  const outside = tmpDir();
  await refuse([[{ name: 'l', type: 'symlink', linkname: outside }], [{ name: 'l/x', type: 'file' }, 'x']], /its parent "l" is a symlink/);
  await refuse([[{ name: '../x', type: 'file' }, 'x']], /path contains "\.\."/);
  await refuse([[{ name: 'h', type: 'link', linkname: '../etc/passwd' }]], /path contains "\.\."/);
  await refuse([[{ name: 'h', type: 'link', linkname: 'missing' }]], /not a regular file in the archive/);
  assert.deepEqual(fs.readdirSync(outside), []);
});

test('progress: plain lines, and the TTY view collapses a finished step and prints a failed one in full', () => {
  let out = '';
  const sink = new Writable({ write(c, _e, cb) { out += c; cb(); } }) as Writable & { columns?: number };
  sink.columns = 100;
  const plain = new Progress(sink, false, 'plain');
  const s = plain.step('[1/2] RUN x');
  s.output('hello\n');
  s.done();
  plain.step('[2/2] COPY a /a').cached();
  assert.match(out, /^#1 \[1\/2\] RUN x\n#1 \d+\.\d{3} hello\n#1 DONE \d+\.\ds\n\n#2 \[2\/2\] COPY a \/a\n#2 CACHED\n\n$/);
  out = '';
  const tty = new Progress(sink, false, 'tty');
  const a = tty.step('[1/2] RUN ok');
  a.output('shown while running\n');
  a.done();
  const b = tty.step('[2/2] RUN bad');
  b.output('why it failed\n');
  b.error('exit code: 1');
  tty.close();
  const last = out.slice(out.lastIndexOf('\x1b[J') + 3);
  assert.match(last, /^\[\+\] Building \d+\.\ds \(2\/2\)\n => \[1\/2\] RUN ok +\d+\.\ds\n => ERROR \[2\/2\] RUN bad +\d+\.\ds\n------\n > \[2\/2\] RUN bad:\n\d+\.\d{3} why it failed\n------\nERROR: exit code: 1\n$/);
  assert.doesNotMatch(last, /shown while running/);
});

/** `berth build -`: a context tar (plain or gzip'd) or a bare Dockerfile on stdin; hostile archives refused. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { newEntry, type TarEntry } from '../../src/image/tar/TarEntry.js';
import { END_OF_ARCHIVE, encodeHeader, padFor } from '../../src/image/tar/TarWriter.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { berthCommand, Engine } from './engineHarness.js';

function tarOf(entries: [Partial<TarEntry> & { name: string; type: TarEntry['type'] }, string?][]): Buffer {
  const parts: Buffer[] = [];
  for (const [e, body] of entries) {
    const b = Buffer.from(body ?? '');
    parts.push(encodeHeader(newEntry({ ...e, size: e.type === 'file' ? b.length : 0 })));
    if (e.type === 'file') parts.push(b, padFor(b.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

describe('berth build - (stdin)', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-build-stdin-').init(); });
  after(() => e.cleanup());
  const build = (args: string[], input: Buffer | string) => {
    const [bin, argv] = berthCommand(['--root', e.root, 'build', '--network', 'none', ...args]);
    const r = spawnSync(bin, argv, { input, maxBuffer: 64 << 20 });
    return { code: r.status ?? 128, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const runOut = (args: string[]) => e.ok(['run', '--rm', '--network', 'none', ...args]);
  const builderDirs = () => fs.readdirSync(path.join(e.root, 'builder')).filter((n) => n.startsWith('context-'));

  test('a context tar (GNU tar, plain and gzip) on stdin: COPY reads from it, -f names a Dockerfile inside it, .dockerignore applies', () => {
    const ctx = tmpDir();
    fs.mkdirSync(path.join(ctx, 'sub'));
    fs.writeFileSync(path.join(ctx, 'sub', 'hello.txt'), 'from the tar\n');
    fs.writeFileSync(path.join(ctx, 'skip.txt'), 'ignored\n');
    fs.writeFileSync(path.join(ctx, '.dockerignore'), 'skip.txt\n');
    fs.symlinkSync('sub/hello.txt', path.join(ctx, 'link'));
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY sub/ /w/\nCOPY link /w/via-link\nCOPY * /all/\n');
    fs.writeFileSync(path.join(ctx, 'Other.df'), 'FROM busybox\nCOPY sub/hello.txt /other\n');
    const tar = execFileSync('tar', ['-c', '-C', ctx, '.']);
    const r = build(['-t', 'stdin:tar', '-'], tar);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(runOut(['stdin:tar', 'cat', '/w/hello.txt', '/w/via-link']), 'from the tar\nfrom the tar');
    // A glob's match keeps its own name (a symlink's too, though its target is what is copied); .dockerignore'd files stay out.
    assert.equal(runOut(['stdin:tar', 'ls', '/all']), 'Dockerfile\nOther.df\nhello.txt\nlink');
    const g = build(['-t', 'stdin:gz', '-f', 'Other.df', '-'], zlib.gzipSync(tar));
    assert.equal(g.code, 0, g.stderr);
    assert.equal(runOut(['stdin:gz', 'cat', '/other']), 'from the tar');
    const missing = build(['-f', 'Nope', '-'], tar);
    assert.deepEqual([missing.code, missing.stderr], [1, 'berth: failed to read dockerfile: open Nope: no such file or directory\n']);
    assert.deepEqual(builderDirs(), []);
  });

  test('a Dockerfile on stdin with no context: it builds, and COPY finds nothing', () => {
    const r = build(['-t', 'stdin:df', '-'], 'FROM busybox\nRUN echo no context > /f\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(runOut(['stdin:df', 'cat', '/f']), 'no context');
    const c = build(['-'], 'FROM busybox\nCOPY x /x\n');
    assert.equal(c.code, 1);
    assert.match(c.stderr, /^berth: Dockerfile:2: COPY failed: file not found in build context/m);
    const both = build(['-f', '-', '-'], 'FROM busybox\n');
    assert.deepEqual([both.code, both.stderr], [1, 'berth: invalid argument: can\'t use stdin for both build context and dockerfile\n']);
  });

  test('hostile context archives: .., absolute names, writes through a symlink, hard links out; one line, exit 1, nothing written outside', () => {
    const outside = tmpDir();
    const df: [{ name: string; type: 'file' }, string] = [{ name: 'Dockerfile', type: 'file' }, 'FROM busybox\nCOPY . /c/\n'];
    const cases: [Buffer, RegExp][] = [
      [tarOf([df, [{ name: '../escape', type: 'file' }, 'x']]), /refusing .*"\.\.\/escape": path contains "\.\."/],
      [tarOf([df, [{ name: `${outside}/abs`, type: 'file' }, 'x']]), /refusing .*: absolute path/],
      [tarOf([df, [{ name: 'l', type: 'symlink', linkname: outside }], [{ name: 'l/through', type: 'file' }, 'x']]), /refusing tar entry "l\/through": its parent "l" is a symlink/],
      [tarOf([df, [{ name: 'h', type: 'link', linkname: '/etc/passwd' }]]), /refusing .*: absolute path/],
      [tarOf([df, [{ name: 'l', type: 'symlink', linkname: '/etc/passwd' }], [{ name: 'h', type: 'link', linkname: 'l' }]]), /refusing tar entry "h": hard link through a symlink/],
      [tarOf([df]).subarray(0, 520), /build context: tar: unexpected end of archive/],
    ];
    for (const [tar, msg] of cases) {
      const r = build(['-'], tar);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.deepEqual(fs.readdirSync(outside), []);
      assert.deepEqual(builderDirs(), []);
    }
    // A symlink pointing out is kept as a link, and COPY through it stays inside the context.
    const ok = build(['-t', 'stdin:link', '-'], tarOf([[{ name: 'Dockerfile', type: 'file' }, 'FROM busybox\nCOPY l/passwd /got\n'], [{ name: 'l', type: 'symlink', linkname: '/etc' }], [{ name: 'etc/passwd', type: 'file' }, 'inside\n']]));
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(runOut(['stdin:link', 'cat', '/got']), 'inside');
  });
});

/** ADD of http(s) URLs, served by a loopback HTTP server this test starts: --checksum, Last-Modified, names, redirects, refusals. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';

const BODY = 'downloaded content\n';
const sha = (s: string | Buffer) => crypto.createHash('sha256').update(s).digest('hex');
const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';

describe('berth build: ADD <url>', requiresRoot, () => {
  let e: Engine;
  let server: http.Server;
  let base = '';
  const hits = new Map<string, number>();
  before(async () => {
    e = await new Engine('berth-build-addurl-').init();
    server = http.createServer((req, res) => {
      const u = req.url ?? '/';
      hits.set(u, (hits.get(u) ?? 0) + 1);
      if (u === '/files/app.txt') res.writeHead(200, { 'last-modified': LAST_MODIFIED }).end(BODY);
      else if (u === '/files/site.tar.gz') res.writeHead(200).end(zlib.gzipSync(Buffer.alloc(1024)));
      else if (u === '/') res.writeHead(200).end('root\n');
      else if (u === '/hop') res.writeHead(302, { location: '/files/app.txt' }).end();
      else if (u.startsWith('/loop')) res.writeHead(301, { location: `/loop${u.length}` }).end();
      else if (u === '/to-file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else res.writeHead(404).end('nope');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    e.cleanup();
  });
  const build = async (df: string, args: string[] = []) => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), df);
    fs.writeFileSync(path.join(ctx, 'local.txt'), 'local\n');
    return e.runAsync(['build', ...args, ctx]);
  };
  const runOut = (args: string[]) => e.ok(['run', '--rm', '--network', 'none', ...args]);

  test('--checksum: the file lands named from the URL path, mode 600, mtime from Last-Modified, archives not unpacked; a cached rebuild fetches nothing', async () => {
    const df = [
      'FROM busybox',
      `ADD --checksum=sha256:${sha(BODY)} ${base}/files/app.txt /dl/`,
      `ADD ${base}/files/site.tar.gz /dl/`,
      `ADD ${base}/hop /dl/renamed.txt`,
      `ADD ${base}/ /dl/`,
      '',
    ].join('\n');
    const r = await build(df, ['-t', 'addurl']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(runOut(['addurl', 'cat', '/dl/app.txt', '/dl/renamed.txt', '/dl/download']), `${BODY}${BODY}root`);
    assert.equal(runOut(['addurl', 'stat', '-c', '%a %Y', '/dl/app.txt']), `600 ${Date.parse(LAST_MODIFIED) / 1000}`);
    assert.equal(runOut(['addurl', 'ls', '/dl']), 'app.txt\ndownload\nrenamed.txt\nsite.tar.gz');
    const before = hits.get('/files/app.txt');
    const again = await build(df, ['-t', 'addurl', '--progress=plain']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /ADD --checksum=\S+ \S+\/files\/app\.txt \/dl\/\n#\d+ CACHED/);
    // Only the unchecksummed ADD through /hop fetched it again (a URL without a checksum is fetched to be keyed, as Docker does).
    assert.equal(hits.get('/files/app.txt'), before! + 1);
  });

  test('a checksum mismatch fails with one line naming the URL and both digests; bad schemes, redirect loops and redirects off http are refused', async () => {
    const wrong = '0'.repeat(64);
    const m = await build(`FROM busybox\nADD --checksum=sha256:${wrong} ${base}/files/app.txt /x\n`);
    assert.equal(m.code, 1);
    assert.equal(m.stderr.split('\n').filter((l) => l.startsWith('berth:')).at(-1), `berth: Dockerfile:2: digest mismatch for ${base}/files/app.txt: expected sha256:${wrong}, got sha256:${sha(BODY)}`);
    assert.doesNotMatch(m.stderr, /\n\s+at /);
    const cases: [string, RegExp][] = [
      ['ADD ftp://127.0.0.1/x /x', /^berth: Dockerfile:2: unsupported source ftp:\/\/127\.0\.0\.1\/x: ADD fetches only http and https URLs$/m],
      [`ADD ${base}/loop /x`, /Dockerfile:2: failed to load .*\/loop: more than 10 redirects$/m],
      [`ADD ${base}/to-file /x`, /Dockerfile:2: failed to load .*\/to-file: redirect to file:\/\/\/etc\/passwd: only http and https URLs are fetched$/m],
      [`ADD ${base}/missing /x`, /Dockerfile:2: failed to load .*\/missing: HTTP 404/m],
      ['ADD --checksum=md5:abc http://127.0.0.1/x /x', /Dockerfile:2: invalid checksum md5:abc/m],
      ['ADD --checksum=sha256:' + wrong + ' local.txt /x', /Dockerfile:2: checksum can't be specified for non-HTTP\(S\) sources/m],
    ];
    for (const [line, msg] of cases) {
      const r = await build(`FROM busybox\n${line}\n`);
      assert.equal(r.code, 1, line);
      assert.match(r.stderr, msg);
    }
    assert.deepEqual(fs.existsSync(path.join(e.root, 'builder', 'downloads')) ? fs.readdirSync(path.join(e.root, 'builder', 'downloads')) : [], []);
  });
});

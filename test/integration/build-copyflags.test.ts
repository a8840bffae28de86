/** COPY --parents, --exclude (repeatable) and --link (a layer made on an empty image, reused when the base changes). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir, requiresRoot, tmpDir } from '../helpers.js';
import { Engine } from './engineHarness.js';

describe('berth build: COPY --parents, --exclude, --link', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-build-copyflags-').init(); });
  after(() => e.cleanup());
  const build = (args: string[], input?: string) => e.run(['build', '--network', 'none', ...args], input);
  const runOut = (args: string[]) => e.ok(['run', '--rm', '--network', 'none', ...args]);

  test('--parents and --exclude place and filter files as BuildKit does; --link files land in the image', () => {
    const r = build(['-t', 'flags', path.join(fixturesDir, 'build', 'copyflags')]);
    assert.equal(r.code, 0, r.stderr);
    const find = (d: string) => runOut(['flags', 'sh', '-c', `cd ${d} && find . -type f | sort`]).split('\n');
    assert.deepEqual(find('/p'), ['./src/app1/package.json', './src/app2/package.json']);
    assert.deepEqual(find('/pivot'), ['./app2/deep/package.json']);
    assert.deepEqual(find('/ex'), ['./home.txt']);
    assert.deepEqual(find('/docs'), ['./keep.txt']);
    assert.equal(runOut(['flags', 'stat', '-c', '%a', '/linked/home.txt']), '600');
    assert.equal(runOut(['flags', 'cat', '/linked/main.js', '/linked/home.txt', '/after']), 'code\nhello\nafter');
    assert.match(e.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'flags']), /COPY --link --chmod|COPY --link home\.txt/);
  });

  test('--link: when the steps before it change, the linked layer is reused as is (same digest, reported CACHED)', () => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'f'), 'linked content\n');
    const df = (n: string) => `FROM busybox\nRUN echo ${n} > /before\nCOPY --link f /dst/f\n`;
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), df('one'));
    assert.equal(build(['-t', 'link:1', ctx]).code, 0);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), df('two'));
    const r = build(['-t', 'link:2', '--progress=plain', ctx]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[3\/3\] COPY --link f \/dst\/f\n#\d+ CACHED/);
    const l1 = e.inspect('link:1').RootFS.Layers;
    const l2 = e.inspect('link:2').RootFS.Layers;
    assert.notEqual(l1[1], l2[1]);
    assert.equal(l1[2], l2[2]);
    assert.equal(runOut(['link:2', 'cat', '/before', '/dst/f']), 'two\nlinked content');
    // Without --link the same change rebuilds the COPY.
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo three > /before\nCOPY f /dst/f\n');
    assert.doesNotMatch(build(['--progress=plain', ctx]).stderr, /COPY f \/dst\/f\n#\d+ CACHED/);
  });
});

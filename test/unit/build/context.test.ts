/** .dockerignore semantics and in-context resolution of COPY sources, without root. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BuildContext } from '../../../src/build/buildContext.js';
import { IgnoreMatcher, parseDockerignore } from '../../../src/build/dockerignore.js';
import { tmpDir } from '../../helpers.js';

test('dockerignore: **, leading /, parents, ! exceptions (last match wins), comments', () => {
  const m = new IgnoreMatcher(parseDockerignore('# comment\n/node_modules\n**/*.log\n*.md\n!README.md\ntmp?/\n  \n'));
  assert.ok(m.excluded('node_modules') && m.excluded('node_modules/x/y.js'));
  assert.ok(m.excluded('a.log') && m.excluded('deep/er/b.log'));
  assert.ok(m.excluded('CHANGES.md') && !m.excluded('README.md') && !m.excluded('docs/x.md'));
  assert.ok(m.excluded('tmp1/file') && !m.excluded('tmp12/file'));
  assert.ok(!m.excluded('src/index.ts'));
});

test('context: symlinks resolve inside the context (absolute targets re-rooted, .. stops at the root); globs', () => {
  const d = tmpDir();
  fs.mkdirSync(path.join(d, 'sub'));
  fs.writeFileSync(path.join(d, 'sub', 'a.txt'), 'a');
  fs.writeFileSync(path.join(d, 'b.txt'), 'b');
  fs.symlinkSync('/etc/passwd', path.join(d, 'abs'));
  fs.symlinkSync('/sub/a.txt', path.join(d, 'rooted'));
  fs.symlinkSync('../../../../b.txt', path.join(d, 'sub', 'up'));
  const c = new BuildContext(d, 'sub/*.md\n');
  assert.equal(c.resolve('abs'), undefined);
  assert.equal(c.resolve('rooted'), 'sub/a.txt');
  assert.equal(c.resolve('sub/up'), 'b.txt');
  assert.equal(c.resolve('../../b.txt'), 'b.txt');
  assert.deepEqual(c.expand('*.txt'), ['b.txt']);
  assert.deepEqual(c.expand('sub/*'), ['sub/a.txt', 'b.txt']); // sub/a.txt, sub/up -> b.txt
  fs.writeFileSync(path.join(d, 'sub', 'x.md'), 'x');
  assert.deepEqual(c.expand('sub/x.md'), []);
  const h1 = c.hashSources(['sub']);
  fs.writeFileSync(path.join(d, 'sub', 'x.md'), 'ignored change');
  assert.equal(c.hashSources(['sub']), h1);
  fs.writeFileSync(path.join(d, 'sub', 'a.txt'), 'changed');
  assert.notEqual(c.hashSources(['sub']), h1);
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isBerthError } from '../../../src/errors.js';
import { unpackLayer } from '../../../src/image/unpackLayer.js';
import { fixturesDir, tmpDir } from '../../helpers.js';

const corpus = path.join(fixturesDir, 'image', 'hostile');

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of fs.readdirSync(d)) {
      const p = path.join(d, n);
      out.push(path.relative(dir, p));
      if (fs.lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

const files = fs.readdirSync(corpus).filter((f) => f.endsWith('.tar')).sort();

test('the hostile corpus is there', () => assert.ok(files.length >= 15, `only ${files.length} tarballs`));

for (const f of files) for (const thread of ['inline', 'worker'] as const) {
  test(`hostile layer ${f} is refused and nothing lands outside (${thread})`, async (t) => {
    const top = tmpDir('berth-hostile-');
    t.after(() => fs.rmSync(top, { recursive: true, force: true }));
    const target = path.join(top, 'a', 'b', 'c', 'layer');
    fs.mkdirSync(target, { recursive: true });
    const before = tree(top);
    await assert.rejects(unpackLayer(path.join(corpus, f), target, f, undefined, { thread }), (e: unknown) => {
      assert.ok(isBerthError(e, 'InvalidArgument'), `expected InvalidArgument, got ${String(e)}`);
      assert.match((e as Error).message, /refusing layer entry "|name contains NUL|link target contains NUL/);
      assert.doesNotMatch((e as Error).message, /\n/);
      return true;
    });
    const outside = tree(top).filter((p) => !p.startsWith(path.join('a', 'b', 'c', 'layer') + path.sep));
    assert.deepEqual(outside, before);
    for (const p of ['/tmp/berth-hostile-absolute', '/tmp/berth-hostile-symlink-abs', '/berth-hostile-dotdot']) assert.ok(!fs.existsSync(p), `${p} exists`);
  });
}

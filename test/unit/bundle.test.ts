import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectDir } from '../helpers.js';

const bundle = path.join(projectDir, 'dist', 'cli', 'berth.cjs');

/**
 * bin/berth.js runs the bundle through vm.Script with V8's code cache, where a real dynamic
 * import() has no loader (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). esbuild turns imports of
 * berth's own modules into plain calls; a dynamic import of a Node builtin stays one: import it statically.
 */
test('the CLI bundle holds no dynamic import()', { skip: fs.existsSync(bundle) ? undefined : 'no bundle (npm run bundle)' }, () => {
  const text = fs.readFileSync(bundle, 'utf8');
  const hits = text.split('\n').map((l, i) => [i + 1, l] as const).filter(([, l]) => /(^|[^\w.$])import\s*\(/.test(l));
  assert.deepEqual(hits.map(([n, l]) => `${n}: ${l.trim()}`), []);
});

/** The loader's parts alone: interpolation, .env syntax, command splitting, units, the schema's recorded facts. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseDotEnv } from '../../../src/compose/dotenv.js';
import { interpolateString } from '../../../src/compose/interpolate.js';
import { SCHEMA_SOURCE, schemaPath } from '../../../src/compose/schema.js';
import { splitWords } from '../../../src/compose/shellwords.js';
import { formatDuration, parseBytes, parseDurationMs } from '../../../src/compose/units.js';
import { parseShortPort } from '../../../src/compose/ports.js';

const vars: Record<string, string> = { A: 'a', E: '' };
const i = (s: string) => interpolateString(s, { lookup: (n) => vars[n] }, 'x');

test('interpolation forms', () => {
  assert.equal(i('$A ${A} $$A $${A}'), 'a a $A ${A}');
  assert.equal(i('${E:-d}|${E-d}|${U-d}|${U:-d}'), 'd||d|d');
  assert.equal(i('${A:+r}|${E:+r}|${E+r}|${U+r}'), 'r||r|');
  assert.equal(i('${U:-${A}-${U:-x}}'), 'a-x');
  assert.throws(() => i('${E:?empty not allowed}'), /required variable E is missing a value: empty not allowed/);
  assert.equal(i('${E?only unset}'), '');
  assert.throws(() => i('${U?gone}'), /required variable U is missing a value: gone/);
  assert.throws(() => i('echo $1'), /invalid interpolation format for x/);
  assert.throws(() => i('${A'), /invalid interpolation format/);
});

test('.env syntax', () => {
  const env = parseDotEnv([
    '# comment', 'export A=1', 'B = two words # comment', "C='single ${A} #x'", 'D="dq ${A}\\n$$"', 'E=${B}-${HOSTVAR}', 'F', 'G="multi', 'line"',
  ].join('\n'), 'f', (n) => (n === 'HOSTVAR' ? 'h' : n === 'F' ? 'fromhost' : undefined));
  assert.deepEqual(env, { A: '1', B: 'two words', C: 'single ${A} #x', D: 'dq 1\n$', E: 'two words-h', F: 'fromhost', G: 'multi\nline' });
  assert.throws(() => parseDotEnv('BAD KEY=1', 'f'), /failed to read f: line 1/);
});

test('command strings split as a shell would, without expansion', () => {
  assert.deepEqual(splitWords(`sh -c "echo 'hi there' \\"q\\"" a\\ b ''`, 'x'), ['sh', '-c', `echo 'hi there' "q"`, 'a b', '']);
});

test('durations, sizes, ports', () => {
  assert.equal(formatDuration(parseDurationMs('1m30s', 'x')), '1m30s');
  assert.equal(formatDuration(parseDurationMs('500ms', 'x')), '500ms');
  assert.equal(formatDuration(parseDurationMs('2h', 'x')), '2h0m0s');
  assert.equal(formatDuration(parseDurationMs(10, 'x')), '10s');
  assert.equal(parseBytes('64m', 'x'), 64 << 20);
  assert.equal(parseBytes('1gb', 'x'), 1 << 30);
  assert.deepEqual(parseShortPort('[::1]:8080:80/udp', 'x'), [{ mode: 'ingress', host_ip: '::1', target: 80, published: '8080', protocol: 'udp' }]);
  assert.deepEqual(parseShortPort('127.0.0.1::80', 'x'), [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, protocol: 'tcp' }]);
});

test('the compose-spec schema in the repository is the one recorded in SCHEMA_SOURCE and SOURCE.md', () => {
  const text = fs.readFileSync(schemaPath());
  assert.equal(crypto.createHash('sha256').update(text).digest('hex'), SCHEMA_SOURCE.sha256);
  const s = JSON.parse(text.toString()) as { $id: string; properties: Record<string, unknown> };
  assert.equal(s.$id, 'compose_spec.json');
  assert.ok('include' in s.properties && 'models' in s.properties);
  assert.match((s as unknown as { $schema: string }).$schema, new RegExp(`draft/${SCHEMA_SOURCE.draft}/`));
  const source = fs.readFileSync(path.join(path.dirname(schemaPath()), 'SOURCE.md'), 'utf8');
  for (const fact of [SCHEMA_SOURCE.release, SCHEMA_SOURCE.commit, SCHEMA_SOURCE.sha256, SCHEMA_SOURCE.project]) assert.ok(source.includes(fact), `SOURCE.md names ${fact}`);
});

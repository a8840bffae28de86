/**
 * The CLI's own start: bin/berth.js reports a CLI that fails to load or throws before it
 * reports errors itself as one line (exit 1), the stack only with -D before the verb or
 * BERTH_DEBUG; main's -D counts only among the global flags (issue 12 item 4).
 * Runs a copy of bin/berth.js in a temp dir whose dist/ holds a stand-in CLI.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { berthBin, tmpDir } from '../helpers.js';
import { debugWanted } from '../../src/cli/main.js';

/** A berth install whose CLI bundle is `bundle` (undefined: no bundle, and no dist/src either). */
function install(t: { after(f: () => void): void }, bundle?: string): string {
  const dir = tmpDir('berth-startup-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(berthBin, path.join(dir, 'bin', 'berth.js'));
  // bin/berth.js is CommonJS in a "type": "module" project (bin/package.json says so).
  fs.copyFileSync(path.join(path.dirname(berthBin), 'package.json'), path.join(dir, 'bin', 'package.json'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}');
  if (bundle !== undefined) {
    fs.mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dist', 'cli', 'berth.cjs'), bundle);
  }
  return path.join(dir, 'bin', 'berth.js');
}

function berth(bin: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const e = { ...process.env, ...env };
  if (!('BERTH_DEBUG' in env)) delete e.BERTH_DEBUG;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: e });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('startup: a CLI that throws while loading is one line, exit 1', (t) => {
  const bin = install(t, "throw new Error('the bundle is broken\\nsecond line of the message');");
  const r = berth(bin, ['ps']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'berth: the bundle is broken\n');
});

test('startup: a failing import (no CLI built) is one line, exit 1', (t) => {
  const r = berth(install(t), ['ps']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^berth: Cannot find module .*main\.js.*\n$/);
  assert.equal(r.stderr.split('\n').length, 2, r.stderr);
});

test('startup: a throw while the program is built is one line; -D before the verb or BERTH_DEBUG adds the stack', (t) => {
  const bin = install(t, "module.exports = { main: async () => { throw new Error('buildProgram: boom'); } };");
  const plain = berth(bin, ['run', 'busybox', 'ls', '-D']);
  assert.equal(plain.code, 1);
  assert.equal(plain.stderr, 'berth: buildProgram: boom\n', '-D of the container\'s command is not berth\'s');
  for (const [args, env] of [[['-D', 'ps'], {}], [['--root', '/tmp/x', '--debug', 'ps'], {}], [['ps'], { BERTH_DEBUG: '1' }]] as const) {
    const r = berth(bin, [...args], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: buildProgram: boom\nError: buildProgram: boom\n\s+at /, `${args.join(' ')} ${JSON.stringify(env)}`);
  }
});

test('main: -D counts only among the global flags before the verb', () => {
  const env = {};
  assert.equal(debugWanted(['-D', 'ps'], env), true);
  assert.equal(debugWanted(['--root', '/r', '--debug', 'run', 'busybox'], env), true);
  assert.equal(debugWanted(['run', 'busybox', 'ls', '-D'], env), false);
  assert.equal(debugWanted(['run', '-D', 'busybox'], env), false, 'after the verb it is the verb\'s');
  assert.equal(debugWanted(['--root', '-D', 'ps'], env), false, 'the value of --root');
  assert.equal(debugWanted(['ps'], { BERTH_DEBUG: '1' }), true);
  assert.equal(debugWanted(['ps'], { BERTH_DEBUG: '0' }), false);
});

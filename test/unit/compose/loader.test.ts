/**
 * The compose loader against the fixtures in test/fixtures/compose: each project's
 * normalised model equals, key for key, its expected.json (interpolation, .env, several
 * files merged, extends, defaults); profiles, project names, and bad input as one line
 * naming the file with exit code 15.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadProject, type LoadOptions } from '../../../src/compose/loadProject.js';
import { BerthError } from '../../../src/errors.js';
import { spawnSync } from 'node:child_process';
import { berthBin, fixturesDir, tmpDir } from '../../helpers.js';

const F = path.join(fixturesDir, 'compose');
const env = { PATH: '/bin', FROM_SHELL: 'from-shell', SHELL_WINS: 'from-shell-env' };

function load(dir: string, o: LoadOptions = {}) {
  const warnings: string[] = [];
  const p = loadProject({ cwd: path.join(F, dir), env, warn: (w) => warnings.push(w), ...o });
  return { p, warnings };
}

function expected(dir: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(F, dir, 'expected.json'), 'utf8').replaceAll('${DIR}', path.join(F, dir)));
}

function fails(o: LoadOptions, re: RegExp): void {
  assert.throws(() => loadProject({ env, cwd: path.join(F, 'bad'), ...o }), (e: unknown) => {
    assert.ok(e instanceof BerthError, String(e));
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    assert.equal(e.exitCode, 15);
    return true;
  });
}

test('interpolation: every form, .env under the shell, $$, defaults nested, types cast after interpolation', () => {
  const { p, warnings } = load('interp');
  assert.deepEqual(p.model, expected('interp'));
  assert.equal(p.environment.SHELL_WINS, 'from-shell-env', 'the shell wins over .env');
  assert.deepEqual(warnings, [], 'every variable used without a default is set');
});

test('an unset variable without a default is a blank string, with compose\'s warning', (t) => {
  const d = tmpDir('berth-compose-');
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  fs.writeFileSync(path.join(d, 'compose.yaml'), 'services:\n  a:\n    image: "busybox${NOPE_UNSET}"\n');
  const w: string[] = [];
  const p = loadProject({ cwd: d, env, warn: (m) => w.push(m) });
  assert.equal(p.services.a.image, 'busybox');
  assert.deepEqual(w, ['The "NOPE_UNSET" variable is not set. Defaulting to a blank string.']);
  fs.rmSync(d, { recursive: true });
});

test('--env-file replaces .env; later files win', (t) => {
  const d = tmpDir('berth-compose-');
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  fs.writeFileSync(path.join(d, 'a.env'), 'TAG=a\nOTHER=a\nREAD_ONLY=no\nPIDS=1\n');
  fs.writeFileSync(path.join(d, 'b.env'), 'TAG=b\n');
  const { p } = load('interp', { envFiles: [path.join(d, 'a.env'), path.join(d, 'b.env')] });
  assert.equal(p.services.app.image, 'busybox:b');
  assert.equal(p.environment.OTHER, 'a');
  assert.equal(p.environment.DOTENV_VAR, undefined, '.env is not read when --env-file is given');
  fs.rmSync(d, { recursive: true });
});

test('several files: the override file merged by the spec\'s rules', () => {
  const { p } = load('merge');
  assert.deepEqual(p.model, expected('merge'));
  assert.deepEqual(p.configFiles, [path.join(F, 'merge', 'compose.yaml'), path.join(F, 'merge', 'compose.override.yaml')]);
  // -f names the files: only the base file then.
  const base = load('merge', { files: ['compose.yaml'] }).p;
  assert.deepEqual(base.services.web.command, ['httpd', '-f']);
  assert.equal(base.services.cache, undefined);
});

test('extends: same file and another file (its relative paths against its own directory)', () => {
  assert.deepEqual(load('extends').p.model, expected('extends'));
});

test('profiles: services without profiles, --profile, COMPOSE_PROFILES, a service named on the command line', () => {
  assert.deepEqual(Object.keys(load('profiles').p.services), ['app']);
  assert.deepEqual(Object.keys(load('profiles', { profiles: ['debug'] }).p.services), ['app', 'debug', 'tools']);
  assert.deepEqual(Object.keys(load('profiles', { env: { ...env, COMPOSE_PROFILES: 'tools' } }).p.services), ['app', 'tools']);
  assert.deepEqual(Object.keys(load('profiles', { selected: ['tools'] }).p.services), ['app', 'tools']);
  assert.deepEqual(load('profiles').p.disabled, ['debug', 'tools']);
});

test('project name: -p, COMPOSE_PROJECT_NAME, name:, the directory (normalised)', () => {
  assert.equal(load('merge').p.name, 'merge');
  assert.equal(load('interp').p.name, 'interp');
  assert.equal(load('interp', { env: { ...env, PROJECT: 'fromname' } }).p.name, 'fromname');
  assert.equal(load('interp', { env: { ...env, COMPOSE_PROJECT_NAME: 'fromenv' } }).p.name, 'fromenv');
  assert.equal(load('interp', { projectName: 'fromflag', env: { ...env, COMPOSE_PROJECT_NAME: 'fromenv' } }).p.name, 'fromflag');
  assert.throws(() => load('interp', { projectName: 'Bad Name' }), /invalid project name "Bad Name"/);
  const d = path.join(tmpDir('berth-compose-'), 'My.App_1');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'docker-compose.yml'), 'services: {a: {image: busybox}}\n');
  assert.equal(loadProject({ cwd: d, env }).name, 'myapp_1');
  assert.equal(loadProject({ cwd: d, env }).networks.default.name, 'myapp_1_default');
  fs.rmSync(path.dirname(d), { recursive: true });
});

test('bad input: one line naming the file (and line), exit 15', () => {
  const bad = (f: string) => path.join(F, 'bad', f);
  fails({ files: [bad('syntax.yaml')] }, new RegExp(`^${bad('syntax.yaml')}: yaml: line \\d+: `));
  fails({ files: [bad('unknown-key.yaml')] }, new RegExp(`^validating ${bad('unknown-key.yaml')}: services\\.web Additional property imagee is not allowed$`));
  fails({ files: [bad('cycle.yaml')] }, /^dependency cycle detected: a -> b -> c -> a$/);
  fails({ files: [bad('required.yaml')] }, /^required variable NEVER_SET_TAG is missing a value: set NEVER_SET_TAG to the image tag$/);
  fails({ files: [bad('undefined-network.yaml')] }, /^service "web" refers to undefined network back: invalid compose project$/);
  fails({ files: [bad('missing.yaml')] }, /^open .*missing\.yaml: no such file or directory$/);
  fails({ files: [path.join(F, 'profiles', 'compose.yaml')], selected: ['nosuch'] }, /^no such service: nosuch$/);
});

test('berth compose config: the normalised model as JSON and YAML, --services, --volumes, exit 15 on bad input', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [berthBin, 'compose', ...args], { cwd: path.join(F, 'merge'), encoding: 'utf8', env: { ...env, BERTH_ACCEL: '0' } });
  let r = run(['config', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), expected('merge'));
  r = run(['config']);
  assert.match(r.stdout, /^name: merge\nservices:\n {2}cache:\n/);
  assert.equal(run(['config', '--services']).stdout, 'cache\ndb\nweb\n');
  assert.equal(run(['config', '--volumes']).stdout, 'data\n');
  assert.equal(run(['-p', 'other', 'config', '--format', 'json']).stdout.includes('"other_data"'), true);
  r = run(['-f', path.join(F, 'bad', 'unknown-key.yaml'), 'config']);
  assert.equal(r.status, 15);
  assert.equal(r.stderr, `berth compose: validating ${path.join(F, 'bad', 'unknown-key.yaml')}: services.web Additional property imagee is not allowed\n`);
});

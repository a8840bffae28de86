/**
 * `berth compose` with images it builds, pulls and pushes, on the real kernel: `build:`
 * sections through the builder `berth build` uses (a named Dockerfile, an arg, a target that
 * is not the last stage, labels, an inline Dockerfile), `up` building what is missing,
 * `up --build` rebuilding and recreating only what changed, `compose build`, secrets and
 * configs from files, push and pull through the registry client to Debian's docker-registry
 * on loopback, `down --rmi local|all`, `events`, and coloured `service-N |` prefixes on a TTY.
 * `after` takes everything down (containers, networks, images, the registry).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fixturesDir, requiresRoot } from '../helpers.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../registryHarness.js';
import { berthCommand, Engine, until, type Out } from './engineHarness.js';
import { NetworkStore, removeNetwork } from '../../src/network/index.js';

const F = path.join(fixturesDir, 'compose');
const BUILD = path.join(F, 'build', 'compose.yaml');
const ONESHOT = path.join(F, 'oneshot', 'compose.yaml');

describe('compose: build, pull, push, down --rmi, events', requiresRoot, () => {
  const e = new Engine('berth-compose-build-');
  let reg: TestRegistry | undefined;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ...(reg ? { REG: reg.host } : {}) });
  const compose = (file: string, args: string[], extra: NodeJS.ProcessEnv = {}): Out => {
    const [bin, argv] = berthCommand(['--root', e.root, 'compose', '-f', file, ...args]);
    const r = spawnSync(bin, argv, { encoding: 'utf8', env: { ...env(), ...extra } });
    return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (file: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = compose(file, args, extra);
    assert.equal(r.code, 0, `compose ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const ids = () => Object.fromEntries(e.ok(['ps', '-a', '--format', '{{.Names}} {{.ID}}']).split('\n').filter(Boolean).map((l) => l.split(' ')));
  const images = () => e.ok(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n');
  const tagged = () => `${reg ? reg.host : '127.0.0.1:9'}/bcbuild/tagged:1`;

  before(async () => {
    await e.init();
    if (hasRegistry) reg = await startRegistry();
  });
  after(async () => {
    for (const f of [BUILD, ONESHOT]) compose(f, ['down', '-v', '--rmi', 'all', '--remove-orphans', '-t', '1']);
    for (const n of new NetworkStore(e.root).list()) await removeNetwork(e.root, n.name, { allowDefault: true }).catch(() => undefined);
    e.cleanup();
    reg?.stop();
  });

  test('up builds the missing images (named Dockerfile, arg, target, labels, inline), secrets and configs from files', () => {
    const r = ok(BUILD, ['up', '-d']);
    assert.match(r.stderr, /Service web {2}Building[\s\S]*naming to bcbuild-web[\s\S]*Service web {2}Built/);
    assert.match(r.stderr, /Service tagged {2}Built/);
    assert.doesNotMatch(r.stderr, /unused|exit 1/, 'the stage after the target is not built');
    const img = e.inspect('bcbuild-web');
    assert.equal(img.Config.Labels['com.example.built'], 'yes');
    assert.equal(img.Config.Labels.stage, 'final');
    assert.equal(img.Config.Labels['com.docker.compose.project'], 'bcbuild');
    assert.equal(img.Config.Labels['com.docker.compose.service'], 'web');
    assert.equal(e.inspect('bcbuild-web-1').Config.Image, 'bcbuild-web');
    assert.equal(e.ok(['exec', 'bcbuild-tagged-1', 'cat', '/inline']), 'inline');
    assert.equal(e.ok(['exec', 'bcbuild-web-1', 'cat', '/greeting', '/run/secrets/token', '/app.conf']), 'hello-from-arg\ns3cret-token\nconf=1');
    assert.notEqual(e.run(['exec', 'bcbuild-web-1', 'sh', '-c', 'echo x > /run/secrets/token']).code, 0, 'the secret is read-only');
  });

  test('up again builds nothing; up --build rebuilds and recreates only the service whose image changed', () => {
    const before = ids();
    let r = ok(BUILD, ['up', '-d']);
    assert.doesNotMatch(r.stderr, /Building/);
    assert.deepEqual(ids(), before);
    r = ok(BUILD, ['up', '-d', '--build'], { GREETING: 'second' });
    assert.match(r.stderr, /Service web {2}Built/);
    const now = ids();
    assert.notEqual(now['bcbuild-web-1'], before['bcbuild-web-1'], 'web recreated: its image changed');
    assert.equal(now['bcbuild-tagged-1'], before['bcbuild-tagged-1'], 'tagged kept: its build was cached, same image');
    assert.equal(e.ok(['exec', 'bcbuild-web-1', 'cat', '/greeting']), 'second');
  });

  test('compose build: selected services, -q, --no-cache, --build-arg; a bad build is one line, exit 1', () => {
    const r = ok(BUILD, ['build', '-q', '--no-cache', '--build-arg', 'GREETING=third', 'web']);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /Service tagged/);
    assert.equal(e.ok(['run', '--rm', 'bcbuild-web', 'cat', '/greeting']), 'third');
    const bad = compose(path.join(F, 'bad', 'build.yaml'), ['build']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^berth compose: service web: failed to read dockerfile: open \S+\/bad\/Dockerfile: no such file or directory\n$/);
  });

  test('push to and pull from a loopback registry; down --rmi local keeps named images, --rmi all removes them', { skip: hasRegistry ? false : 'needs Debian docker-registry' }, () => {
    let r = ok(BUILD, ['push']);
    assert.match(r.stderr, new RegExp(`Image ${tagged().replace(/[.]/g, '\\.')} {2}Pushed`));
    assert.doesNotMatch(r.stderr, /bcbuild-web/, 'a service without image: has nothing to push');
    ok(BUILD, ['down', '--rmi', 'local', '-t', '1']);
    let have = images();
    assert.ok(!have.includes('bcbuild-web:latest'), have.join(' '));
    assert.ok(have.includes(tagged()), have.join(' '));
    ok(BUILD, ['down', '--rmi', 'all', '-t', '1']);
    assert.ok(!images().includes(tagged()));
    r = ok(BUILD, ['pull', 'tagged']);
    assert.match(r.stderr, /Pulled/);
    have = images();
    assert.ok(have.includes(tagged()), have.join(' '));
    assert.ok(!have.includes('bcbuild-web:latest'), 'pull does not build');
    r = ok(BUILD, ['up', '-d', 'tagged']);
    assert.doesNotMatch(r.stderr, /Building/, 'the pulled image is used');
    assert.equal(e.ok(['exec', 'bcbuild-tagged-1', 'cat', '/inline']), 'inline');
    ok(BUILD, ['down', '-t', '1']);
  });

  test('pull of a missing image: one line naming the service, exit 1; --ignore-pull-failures warns', () => {
    const f = path.join(F, 'bad', 'pull.yaml');
    const r = compose(f, ['pull']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^( Image \S+ {2}Pulling\n)?berth compose: service ghost: .*\n$/);
    const i = compose(f, ['pull', '--ignore-pull-failures']);
    assert.equal(i.code, 0);
    assert.match(i.stderr, /WARN\[0000\] service ghost: /);
    const up = compose(f, ['up', '-d']);
    assert.equal(up.code, 1);
    assert.match(up.stderr, /berth compose: service ghost: /);
    assert.deepEqual(e.containerDirs(), [], 'nothing created');
  });

  test('events: create, start, die with the exit code, destroy, as text and JSON', async () => {
    const [bin, argv] = berthCommand(['--root', e.root, 'compose', '-f', ONESHOT, 'events', '--json']);
    const c = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: env() });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    const code = new Promise<number>((res) => c.on('close', (n) => res(n ?? 128)));
    try {
      await new Promise((res) => setTimeout(res, 1500)); // it has taken its first look
      ok(ONESHOT, ['up', '-d', 'job']);
      await until(() => /"action":"die"/.test(out));
      ok(ONESHOT, ['down', '-t', '1']);
      await until(() => /"action":"destroy"/.test(out));
    } finally {
      if (c.pid) process.kill(c.pid, 'SIGINT');
    }
    assert.equal(await code, 0);
    const evs = out.trim().split('\n').map((l) => JSON.parse(l) as { action: string; service: string; attributes: Record<string, string> });
    assert.ok(evs.every((x) => x.service === 'job' && x.attributes.name === 'bconeshot-job-1'), out);
    assert.deepEqual(evs.map((x) => x.action).filter((a) => a !== 'start'), ['create', 'die', 'destroy']);
    assert.equal(evs.find((x) => x.action === 'die')!.attributes.exitCode, '3');
  });

  test('logs on a TTY: coloured `service-N  | ` prefixes; --no-color plain', async () => {
    ok(ONESHOT, ['up', '-d']);
    await until(() => ok(ONESHOT, ['logs', 'job']).stdout.includes('job says hi') && ok(ONESHOT, ['logs', 'sidecar']).stdout.includes('sidecar up'));
    const cmd = [...berthCommand(['--root', e.root, 'compose', '-f', ONESHOT, 'logs'])].flat().map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], { encoding: 'utf8', env: env() });
    assert.equal(r.status, 0, r.stderr);
    // eslint-disable-next-line no-control-regex
    assert.match(r.stdout, /\x1b\[\d+mjob-1 {6}\| \x1b\[0mjob says hi/);
    // eslint-disable-next-line no-control-regex
    assert.match(r.stdout, /\x1b\[\d+msidecar-1 {2}\| \x1b\[0msidecar up/);
    const plain = spawnSync('script', ['-q', '-e', '-c', `${cmd} --no-color`, '/dev/null'], { encoding: 'utf8', env: env() });
    assert.match(plain.stdout, /^job-1 {6}\| job says hi/m);
    assert.doesNotMatch(plain.stdout, /\x1b\[/); // eslint-disable-line no-control-regex
    ok(ONESHOT, ['down', '-t', '1']);
  });
});

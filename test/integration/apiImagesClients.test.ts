/**
 * The real docker CLI (28.x, client only; DOCKER_HOST at `berth serve`, an empty DOCKER_CONFIG)
 * and dockerode for images, build, networks, volumes, events and system df: pull and push
 * against Debian's docker-registry on loopback, the classic builder (DOCKER_BUILDKIT=0).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { requiresRoot, tmpDir, until } from '../helpers.js';
import { ApiServer, DOCKER, hasDocker } from './apiHarness.js';
import { freeSubnet } from './networkHarness.js';
import { hasRegistry, startRegistry, type TestRegistry } from '../registryHarness.js';

const needs = !hasDocker ? { skip: 'the docker CLI is not installed at /usr/local/bin/docker' } : !hasRegistry ? { skip: 'needs Debian docker-registry' } : requiresRoot;

describe('docker CLI and dockerode: images, build, networks, volumes, events', needs, () => {
  let s: ApiServer;
  let reg: TestRegistry;
  let docker: Docker;
  const ctx = tmpDir('berth-clictx-');
  before(async () => {
    s = await ApiServer.start();
    reg = await startRegistry();
    docker = new Docker({ socketPath: s.sock });
  });
  after(async () => {
    s?.docker(['network', 'rm', 'clinet']);
    await s?.cleanup();
    reg?.stop();
    fs.rmSync(ctx, { recursive: true, force: true });
  });
  const ok = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = s.docker(args, undefined, env);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('images, tag, push to and pull from a loopback registry, rmi', () => {
    assert.match(ok(['images']), /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\nbusybox\s+latest\s+[0-9a-f]{12}\s/);
    const ref = `${reg.host}/team/box:1`;
    ok(['tag', 'busybox', ref]);
    const push = ok(['push', ref]);
    assert.match(push, new RegExp(`The push refers to repository \\[${reg.host}/team/box\\]`));
    assert.match(push, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
    assert.match(ok(['rmi', ref]), new RegExp(`Untagged: ${ref}`));
    assert.equal(ok(['images', '-q', `${reg.host}/team/box`]), '');
    const pull = ok(['pull', ref]);
    assert.match(pull, /Digest: sha256:[0-9a-f]{64}/);
    assert.match(pull, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${ref}`));
    assert.match(pull, new RegExp(`${ref}\\n$`));
    assert.equal(ok(['images', '--format', '{{.Repository}}:{{.Tag}}', `${reg.host}/team/box`]).trim(), ref);
    const missing = s.docker(['pull', `${reg.host}/team/none:1`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error response from daemon: /);
    const inspect = JSON.parse(ok(['image', 'inspect', ref]));
    assert.ok(inspect[0].RepoTags.includes(ref));
    ok(['rmi', ref]);
  });

  test('build (classic builder), run the result, save and load', () => {
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY msg /msg\nRUN echo run-output\nCMD ["cat", "/msg"]\n');
    fs.writeFileSync(path.join(ctx, 'msg'), 'built by berth\n');
    const r = s.docker(['build', '-t', 'clibuilt:1', ctx], undefined, { DOCKER_BUILDKIT: '0' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Step 1\/\d : FROM busybox/);
    assert.match(r.stdout, /run-output/);
    assert.match(r.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged clibuilt:1\n$/);
    assert.equal(ok(['run', '--rm', '--network', 'none', 'clibuilt:1']), 'built by berth\n');
    const q = s.docker(['build', '-q', '-t', 'clibuilt:2', ctx], undefined, { DOCKER_BUILDKIT: '0' });
    assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const bad = s.docker(['build', '-f', 'Nope', ctx], undefined, { DOCKER_BUILDKIT: '0' });
    assert.notEqual(bad.code, 0);
    const tar = path.join(ctx, 'saved.tar');
    ok(['save', '-o', tar, 'clibuilt:1']);
    ok(['rmi', 'clibuilt:1', 'clibuilt:2']);
    const load = ok(['load', '-i', tar]);
    assert.match(load, /Loaded image: clibuilt:1/);
    assert.equal(ok(['run', '--rm', '--network', 'none', 'clibuilt:1']), 'built by berth\n');
  });

  test('network create/ls/inspect/connect/disconnect/rm and volume create/ls/inspect/rm', () => {
    const S = freeSubnet();
    const id = ok(['network', 'create', '--subnet', S.cidr, 'clinet']).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(ok(['network', 'ls']), new RegExp(`${id.slice(0, 12)}\\s+clinet\\s+bridge\\s+local`));
    assert.equal(ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'clinet']).trim(), S.cidr);
    ok(['run', '-d', '--name', 'netc', 'busybox', 'sleep', '60']);
    ok(['network', 'connect', 'clinet', 'netc']);
    assert.match(ok(['network', 'inspect', 'clinet']), /"Name": "netc"/);
    ok(['network', 'disconnect', 'clinet', 'netc']);
    ok(['rm', '-f', 'netc']);
    assert.equal(ok(['network', 'rm', 'clinet']).trim(), 'clinet');
    const gone = s.docker(['network', 'inspect', 'clinet']);
    assert.equal(gone.code, 1);
    assert.equal(ok(['volume', 'create', '--label', 'k=v', 'clivol']).trim(), 'clivol');
    assert.match(ok(['volume', 'ls']), /local\s+clivol/);
    assert.equal(ok(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels}}', 'clivol']).trim(), 'clivol local map[k:v]');
    assert.equal(ok(['volume', 'rm', 'clivol']).trim(), 'clivol');
    const df = ok(['system', 'df']);
    assert.match(df, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+\d+/);
    assert.match(df, /Local Volumes\s+\d+/);
  });

  test('docker events with --since/--until and filters; following live', async () => {
    const t0 = new Date(Date.now() - 1000).toISOString();
    ok(['volume', 'create', 'evvol']);
    ok(['volume', 'rm', 'evvol']);
    const end = new Date(Date.now() + 1000).toISOString();
    const past = ok(['events', '--since', t0, '--until', end, '--filter', 'type=volume', '--filter', 'volume=evvol']);
    const ls = past.split('\n').filter(Boolean);
    assert.deepEqual(ls.map((l) => l.split(' ').slice(1, 4).join(' ')), ['volume create evvol', 'volume destroy evvol']);
    assert.match(ls[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) volume create evvol \(driver=local\)$/);
    const json = ok(['events', '--since', t0, '--until', end, '--filter', 'volume=evvol', '--format', '{{json .}}']).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(json[0].Action, 'create');
    // live: a follower started now sees what happens next
    const c = spawn(DOCKER, ['events', '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}'], { env: s.dockerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    try {
      // the follower is up once a volume made after it started shows (retry until one does)
      await until(() => {
        if (out.includes('create evlive')) return true;
        s.docker(['volume', 'rm', '-f', 'evlive']);
        s.docker(['volume', 'create', 'evlive']);
        return false;
      }, 60_000);
      ok(['volume', 'rm', '-f', 'evlive']);
      await until(() => out.includes('destroy evlive'));
    } finally {
      c.kill('SIGINT');
    }
  });

  test('X-Registry-Auth: after docker login, push and pull to a registry that wants Basic auth', async () => {
    const locked = await startRegistry({ htpasswd: { alice: 'secret-pw' } });
    const cfg = tmpDir('berth-dockercfg-');
    try {
      const env = { DOCKER_CONFIG: cfg };
      const ref = `${locked.host}/priv/box:1`;
      ok(['tag', 'busybox', ref]);
      const anon = s.docker(['push', ref], undefined, env);
      assert.equal(anon.code, 1, anon.stdout);
      const login = s.docker(['login', '-u', 'alice', '--password-stdin', locked.host], 'secret-pw\n', env);
      assert.equal(login.code, 0, login.stderr);
      assert.match(ok(['push', ref], env), /1: digest: sha256:[0-9a-f]{64}/);
      ok(['rmi', ref]);
      assert.match(ok(['pull', ref], env), /Status: Downloaded newer image/);
      // without the credentials (an empty DOCKER_CONFIG sends X-Registry-Auth: {}) the registry refuses
      const anonPull = s.docker(['pull', ref]);
      assert.equal(anonPull.code, 1, anonPull.stdout);
      assert.match(anonPull.stderr, /Error response from daemon: /);
    } finally {
      locked.stop();
      fs.rmSync(cfg, { recursive: true, force: true });
    }
  });

  test('dockerode: pull with followProgress, buildImage, getEvents', async () => {
    const ref = `${reg.host}/dode/box:2`;
    ok(['tag', 'busybox', ref]);
    ok(['push', ref]);
    ok(['rmi', ref]);
    const stream = await docker.pull(ref);
    const events: any[] = await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: unknown, res: any[]) => (err ? reject(err) : resolve(res))));
    assert.ok(events.some((e) => /Status: Downloaded newer image|Image is up to date/.test(e.status)), JSON.stringify(events));
    assert.ok(events.some((e) => e.id && e.status === 'Pull complete' || e.status === 'Already exists'), JSON.stringify(events));
    assert.ok((await docker.getImage(ref).inspect()).RepoTags.includes(ref));

    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo dockerode-build\n');
    const b = await docker.buildImage({ context: ctx, src: ['Dockerfile'] }, { t: 'dodebuilt:1' });
    const built: any[] = await new Promise((resolve, reject) => docker.modem.followProgress(b, (err: unknown, res: any[]) => (err ? reject(err) : resolve(res))));
    assert.ok(built.some((e) => e.stream === 'dockerode-build\n'), JSON.stringify(built));
    assert.ok(built.some((e) => e.aux?.ID?.startsWith('sha256:')));
    assert.ok(built.some((e) => e.stream === 'Successfully tagged dodebuilt:1\n'));

    const since = Math.floor(Date.now() / 1000) - 60;
    const evs = await docker.getEvents({ since, until: Math.floor(Date.now() / 1000) + 1, filters: { type: ['image'], event: ['build'] } });
    const text: string = await new Promise((resolve) => {
      let t = '';
      evs.on('data', (d: Buffer) => (t += d));
      evs.on('end', () => resolve(t));
    });
    const got = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(got.length >= 1);
    assert.ok(got.every((e) => e.Type === 'image' && e.Action === 'build'));
    assert.equal(got[got.length - 1].Actor.Attributes.name, 'dodebuilt:1');
  });
});

/** `berth build` through the real CLI: fixtures under test/fixtures/build, effects checked by running and inspecting the images. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir, requiresRoot, tmpDir } from '../helpers.js';
import { berthCommand, Engine } from './engineHarness.js';

const fx = (n: string) => path.join(fixturesDir, 'build', n);

describe('berth build', requiresRoot, () => {
  let e: Engine;
  before(async () => { e = await new Engine('berth-build-').init(); });
  after(() => e.cleanup());
  const build = (args: string[], input?: string) => e.run(['build', '--network', 'none', ...args], input);
  const runOut = (args: string[]) => e.ok(['run', '--rm', '--network', 'none', ...args]);
  const config = (ref: string) => e.inspect(ref).Config;
  const leftovers = () => ({ containers: e.containerDirs().length, snapshots: fs.readdirSync(path.join(e.root, 'snapshots')).length });

  test('instructions into the config: ENV (both forms, expansion), LABEL, EXPOSE, VOLUME, WORKDIR (relative), USER from an ARG, STOPSIGNAL, HEALTHCHECK, SHELL, ENTRYPOINT+CMD, ONBUILD in a child', () => {
    const iid = path.join(tmpDir(), 'iid');
    const r = build(['-t', 'cfg:1', '-t', 'cfg:2', '--iidfile', iid, '--label', 'extra=yes', fx('config')]);
    assert.equal(r.code, 0, r.stderr);
    const c = config('cfg:1');
    assert.equal(e.inspect('cfg:2').Id, fs.readFileSync(iid, 'utf8'));
    assert.deepEqual(c.Env, ['GREETING=hello world', 'OTHER=unset']);
    assert.deepEqual(c.Labels, { 'org.example.title': 'config test', version: '1', extra: 'yes' });
    assert.deepEqual(c.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
    assert.deepEqual(c.Volumes, { '/data': {} });
    assert.deepEqual([c.WorkingDir, c.User, c.StopSignal], ['/srv/app', 'nobody', 'SIGINT']);
    assert.deepEqual(c.Healthcheck, { Test: ['CMD', 'true'], Interval: 5e9, Retries: 3 });
    assert.deepEqual([c.Shell, c.Entrypoint, c.Cmd], [['/bin/sh', '-ec'], ['/bin/echo'], ['from', 'cmd']]);
    assert.equal(runOut(['cfg:1']), 'from cmd');
    assert.equal(runOut(['cfg:1', 'other']), 'other');
    assert.equal(runOut(['--entrypoint', 'pwd', 'cfg:1']), '/srv/app');
    const hist = e.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'cfg:1']).split('\n');
    assert.ok(hist.includes('ENV GREETING=hello world OTHER=unset'), hist.join('\n'));
    assert.ok(hist.includes('EXPOSE map[8080/tcp:{} 53/udp:{}]'));
    assert.ok(hist.includes('CMD ["from" "cmd"]') && hist.includes('ENTRYPOINT ["/bin/echo"]') && hist.includes('ARG USERNAME=nobody'));
    // The child runs the parent's trigger right after FROM and does not inherit it.
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM cfg:1\nENTRYPOINT []\nCMD ["cat", "/tmp/onbuild.txt"]\n');
    assert.equal(build(['-t', 'child', ctx]).code, 0);
    assert.equal(runOut(['child']), 'triggered');
    assert.equal(config('child').OnBuild ?? null, null);
  });

  test('COPY/ADD: globs into a dir, a directory\'s contents, --chown/--chmod, .dockerignore with exceptions, symlinks kept as links, ADD unpacks a local tar.gz with its owners, heredocs for COPY and RUN', () => {
    const r = build(['-t', 'copy', fx('copy')]);
    assert.equal(r.code, 0, r.stderr);
    const files = runOut(['copy', 'sh', '-c', 'cd /w && find . | sort']).split('\n');
    for (const f of ['./txt/a.txt', './txt/b.txt', './dir/one', './dir/sub/two', './all/keep.md', './all/inside-link', './extracted/top/f', './heredoc.txt', './run.txt']) assert.ok(files.includes(f), `${f} in ${files.join(' ')}`);
    for (const f of ['./dir/dir', './all/skip', './all/skip/x', './all/README.md']) assert.ok(!files.includes(f), `${f} not copied`);
    assert.equal(runOut(['copy', 'stat', '-c', '%u:%g %a', '/w/owned', '/w/extracted/top/f', '/w/txt/a.txt']), '1234:5678 640\n7:8 644\n0:0 644');
    assert.equal(runOut(['copy', 'readlink', '/w/all/outside-link']), '/etc/passwd');
    assert.equal(runOut(['copy', 'cat', '/w/heredoc.txt', '/w/run.txt']), 'value=\nheredoc run');
  });

  test('multi-stage: FROM scratch runs a static binary copied from a builder stage; the unused failing stage is never built', () => {
    const r = build(['-t', 'multi', fx('multi')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /not needed|broken/);
    assert.equal(runOut(['multi']), 'built');
    assert.equal(e.inspect('multi').RootFS.Layers.length, 2);
    assert.equal(build(['--target', 'broken', fx('multi')]).code, 1);
  });

  test('cache: a second build is all CACHED; touching one copied file rebuilds from its COPY on; a build arg rebuilds only the RUNs in its scope', () => {
    const ctx = tmpDir();
    fs.cpSync(fx('cache'), ctx, { recursive: true });
    assert.equal(build(['-t', 'cache', ctx]).code, 0);
    const again = build(['-t', 'cache', '--progress=plain', ctx]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((again.stderr.match(/CACHED/g) ?? []).length, 5, again.stderr);
    const steps = (s: string) => [...s.matchAll(/^#\d+ \[[2-6]\/6\] (.*)\n#\d+ (CACHED)?/gm)].map((m) => `${m[1]}:${m[2] ? 'cached' : 'built'}`);
    fs.writeFileSync(path.join(ctx, 'two.txt'), 'two changed\n');
    const t = build(['-t', 'cache', ctx]);
    assert.deepEqual(steps(t.stderr).map((s) => s.split(':').pop()), ['cached', 'cached', 'built', 'built', 'built'], t.stderr);
    assert.equal(runOut(['cache', 'cat', '/two.txt', '/flavour']), 'two changed\nplain');
    const a = build(['-t', 'cache', '--build-arg', 'FLAVOUR=spicy', ctx]);
    assert.deepEqual(steps(a.stderr).map((s) => s.split(':').pop()), ['cached', 'cached', 'cached', 'built', 'built'], a.stderr);
    assert.equal(runOut(['cache', 'cat', '/flavour']), 'spicy');
    const q = build(['-q', '--no-cache', ctx]);
    assert.match(q.stdout, /^sha256:[a-f0-9]{64}\n$/);
    assert.equal(q.stderr, '');
    assert.equal(e.run(['builder', 'prune', '-f']).code, 0);
    assert.equal((build(['-t', 'cache', ctx]).stderr.match(/CACHED/g) ?? []).length, 0);
  });

  test('a failing RUN prints its output and exit code, exits 1 and leaves no container or snapshot', () => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo about to fail; exit 3\n');
    const before = leftovers();
    const r = build([ctx]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /about to fail/);
    assert.match(r.stderr, /Dockerfile:2: process "\/bin\/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.deepEqual(leftovers(), before);
  });

  test('bad Dockerfiles: one line naming file:line, exit 1, store unchanged', () => {
    const index = () => fs.readFileSync(path.join(e.root, 'content', 'index.json'), 'utf8');
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'present.txt'), 'x');
    const cases: [string, string][] = [
      ['FROM busybox\n\n\n\n\n\nRUNN echo\n', 'berth: Dockerfile:7: unknown instruction: RUNN\n'],
      ['FROM busybox\nRUN <<EOF\necho\n', 'berth: Dockerfile:2: unterminated heredoc EOF\n'],
      ['RUN echo\n', 'berth: Dockerfile:1: no build stage in current context\n'],
      ['FROM busybox\nRUN --bogus=1 true\n', 'berth: Dockerfile:2: unknown flag: bogus\n'],
      ['FROM busybox\nRUN true\nCOPY ../present.txt ../../missing /x/\n', 'berth: Dockerfile:3: COPY failed: file not found in build context or excluded by .dockerignore: stat ../../missing: file does not exist\n'],
    ];
    for (const [df, msg] of cases) {
      const was = index();
      const r = build(['-f', '-', ctx], df);
      assert.deepEqual([r.code, r.stderr], [1, msg], df);
      assert.equal(index(), was);
    }
    // An image no stage makes and the store lacks is pulled before any step runs (here from a
    // loopback port where nothing listens): the pull's failure is the last line, nothing was built.
    const was = index();
    const r = build(['-f', '-', ctx], 'FROM busybox\nRUN true\nCOPY --from=127.0.0.1:9/nowhere /a /b\n');
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /RUN true/);
    assert.match(r.stderr, /\nberth: Dockerfile:3: 127\.0\.0\.1:9\/nowhere: .*refused.*\n$/);
    assert.equal(index(), was);
  });

  test('RUN --mount=type=cache keeps files between builds; a secret is readable in its RUN and in no layer, history or cache key', () => {
    const ctx = tmpDir();
    const secret = path.join(tmpDir(), 'token');
    fs.writeFileSync(secret, 'TOPSECRET-1234\n');
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), [
      'FROM busybox',
      'ARG N=1',
      'RUN --mount=type=cache,target=/cache echo "run $N" >> /cache/log && cat /cache/log > /seen',
      'RUN --mount=type=secret,id=token cp /run/secrets/token /tmp/copy && wc -c < /tmp/copy > /secret-size && rm /tmp/copy',
      '',
    ].join('\n'));
    assert.equal(build(['-t', 'mounts', '--secret', `id=token,src=${secret}`, ctx]).code, 0);
    assert.equal(build(['-t', 'mounts', '--build-arg', 'N=2', '--secret', `id=token,src=${secret}`, ctx]).code, 0);
    assert.equal(runOut(['mounts', 'cat', '/seen', '/secret-size']), 'run 1\nrun 2\n15');
    assert.equal(runOut(['mounts', 'sh', '-c', 'ls /cache /run/secrets 2>&1 | wc -l']), '2');
    const out = path.join(tmpDir(), 'img.tar');
    e.ok(['save', '-o', out, 'mounts']);
    assert.ok(!fs.readFileSync(out).includes('TOPSECRET'));
    assert.doesNotMatch(e.ok(['history', '--no-trunc', 'mounts']), /TOPSECRET/);
  });
  test('SIGINT during a RUN stops it, removes the build container and its snapshot, exits 130', async () => {
    const ctx = tmpDir();
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo started; sleep 60\n');
    const before = leftovers();
    const [bin, argv] = berthCommand(['--root', e.root, 'build', '--network', 'none', ctx]);
    const c = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const code = new Promise<number>((r) => c.on('close', (n) => r(n ?? 128)));
    await new Promise<void>((r) => c.stderr.on('data', (d) => { err += d; if (/started/.test(err)) r(); }));
    process.kill(c.pid!, 'SIGINT');
    assert.equal(await code, 130, err);
    assert.match(err, /build cancelled/);
    assert.deepEqual(leftovers(), before);
  });

  test('SOURCE_DATE_EPOCH: the same context built into two fresh roots gives the same image ID; skopeo, umoci and GNU tar read the result', () => {
    const ctx = tmpDir();
    fs.cpSync(fx('repro'), ctx, { recursive: true });
    fs.copyFileSync('/usr/bin/busybox', path.join(ctx, 'busybox'));
    const ids: string[] = [];
    const roots = [tmpDir('berth-repro-'), tmpDir('berth-repro-')];
    try {
      for (const root of roots) {
        const [bin, argv] = berthCommand(['--root', root, 'build', '-q', '--network', 'none', '-t', 'repro:1', ctx]);
        ids.push(execFileSync(bin, argv, { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } }).trim());
      }
      assert.equal(ids[0], ids[1]);
      const cfg = JSON.parse(execFileSync('skopeo', ['--insecure-policy', 'inspect', '--config', `oci:${roots[0]}/content:repro:1`], { encoding: 'utf8' }));
      assert.equal(cfg.created, '2023-11-14T22:13:20Z');
      assert.deepEqual(cfg.config.Cmd, ['/bin/sh', '-c', 'cat /out/f']);
      const bundle = path.join(tmpDir(), 'bundle');
      execFileSync('umoci', ['unpack', '--image', `${roots[0]}/content:repro:1`, bundle], { stdio: 'ignore' });
      assert.equal(fs.readFileSync(path.join(bundle, 'rootfs', 'out', 'f'), 'utf8'), 'reproducible\n');
      const layer = JSON.parse(execFileSync('skopeo', ['--insecure-policy', 'inspect', '--raw', `oci:${roots[0]}/content:repro:1`], { encoding: 'utf8' })).layers[1].digest.slice(7);
      const listing = execFileSync('tar', ['-tvf', path.join(roots[0], 'content', 'blobs', 'sha256', layer), '--full-time'], { encoding: 'utf8' });
      assert.match(listing, /out\/f/);
      assert.doesNotMatch(listing, /202[4-9]-/);
    } finally {
      for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
    }
  });
});

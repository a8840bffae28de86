/** `berth build` FROM an image that only a registry has: pulled as `run --pull missing` would (a real docker-registry on loopback). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { berthBin, isRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';
import { hasRegistry, startRegistry } from '../registryHarness.js';

const skip = !isRoot ? 'needs root' : !hasRegistry ? 'needs Debian docker-registry (.ci/run installs it)' : false;

test('build FROM a registry image pulls it, then builds and runs; a missing one fails on its line', { skip }, async (t) => {
  const dir = tmpDir('berth-build-pull-');
  const reg = await startRegistry();
  const roots: string[] = [];
  const berth = (root: string, args: string[], cwd?: string) => {
    const r = spawnSync(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8', cwd, env: { ...process.env, BERTH_ACCEL: '0', BERTH_CONFIG: path.join(dir, 'config') } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  t.after(async () => {
    for (const r of roots) {
      const ids = berth(r, ['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length) berth(r, ['rm', '-f', ...ids]);
    }
    await reg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const a = path.join(dir, 'a'), b = path.join(dir, 'b');
  roots.push(a, b);
  const base = `${reg.host}/base/bb:1`;
  await createBusyboxImage(a, base);
  assert.equal(berth(a, ['push', '-q', base]).code, 0);

  const ctx = path.join(dir, 'ctx');
  fs.mkdirSync(ctx);
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${base}\nRUN echo built > /x\nCMD ["cat", "/x"]\n`);
  const built = berth(b, ['build', '--progress', 'plain', '--network', 'none', '-t', 'app:1', ctx]);
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stderr, new RegExp(`Unable to find image '${base.replace(/[.:/]/g, '\\$&')}' locally`));
  assert.match(built.stderr, /Status: Downloaded newer image for /);
  const run = berth(b, ['run', '--rm', '--network', 'none', 'app:1']);
  assert.equal(run.stdout, 'built\n', run.stderr);
  assert.ok(berth(b, ['images', '-q', base]).stdout.trim(), 'the base is in the store now');

  fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM 127.0.0.1:9/nowhere:1\nRUN true\n');
  const bad = berth(b, ['build', '--network', 'none', ctx]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr.trim().split('\n').pop()!, /^berth: Dockerfile:1: 127\.0\.0\.1:9\/nowhere:1: .*refused/);
});

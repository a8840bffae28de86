import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkStore } from '../../src/image/checkStore.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';
import { startFaultProxy } from '../faultProxy.js';
import { berthAsync, freePort, hasRegistry, startRegistry } from '../registryHarness.js';

const needs = hasRegistry ? requiresRoot : { skip: 'needs Debian docker-registry' };

test('registry-mirrors: `busybox` comes from the first mirror that answers (a dead one is skipped); a mirror that fails falls back to docker.io, which loopback-only refuses in one line', needs, async (t) => {
  assert.equal(process.env.BERTH_REGISTRY_LOOPBACK_ONLY, '1', 'docker.io must never be reached from tests');
  const dir = tmpDir('berth-mirror-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'config');
  fs.mkdirSync(cfg);
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const proxy = await startFaultProxy(reg.host);
  t.after(() => proxy.close());
  const src = path.join(dir, 'src');
  const id = await createBusyboxImage(src, `${reg.host}/library/busybox:latest`);
  assert.equal((await berthAsync(src, cfg, ['push', '-q', `${reg.host}/library/busybox:latest`])).status, 0);

  const dead = `127.0.0.1:${await freePort()}`;
  fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ 'registry-mirrors': [`http://${dead}`, `http://${proxy.host}/`] }));
  const r = path.join(dir, 'r');
  const p = await berthAsync(r, cfg, ['pull', 'busybox']);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /^Using default tag: latest\nlatest: Pulling from library\/busybox\n/);
  assert.match(p.stdout, /Status: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);
  const store = ImageStore.open(r);
  assert.equal(store.resolve('busybox').id, id);
  assert.deepEqual(await checkStore(store), []);
  assert.ok(proxy.requests.some((q) => q.url.startsWith('/v2/library/busybox/manifests/latest')), 'the mirror served the manifest');
  assert.ok(proxy.requests.some((q) => q.url.startsWith('/v2/library/busybox/blobs/sha256:')), 'and the blobs');

  // the mirror lacks the image (manifest unknown), then is down: docker.io is next, and refused before any lookup
  for (const mirror of [`http://${proxy.host}`, `http://${dead}`]) {
    fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ 'registry-mirrors': [mirror] }));
    const miss = await berthAsync(r, cfg, ['pull', 'alpine:3']);
    assert.equal(miss.status, 1, miss.stdout);
    assert.equal(miss.stderr, 'berth: registry access to registry-1.docker.io is off (BERTH_REGISTRY_LOOPBACK_ONLY=1: loopback registries only)\n');
  }
  assert.ok(proxy.requests.some((q) => q.url.startsWith('/v2/library/alpine/manifests/3')));

  // other registries never go through the mirrors
  const before = proxy.requests.length;
  const direct = await berthAsync(path.join(dir, 'd'), cfg, ['pull', '-q', `${reg.host}/library/busybox:latest`]);
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(proxy.requests.length, before);

  // a mirror that is not an http(s) URL with nothing after the host: one line
  for (const bad of ['ftp://m.lan', 'http://m.lan/path', 'not a url']) {
    fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ 'registry-mirrors': [bad] }));
    const b = await berthAsync(r, cfg, ['pull', 'alpine']);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /^berth: .*config\.json: invalid mirror: .*\n$/);
  }
});

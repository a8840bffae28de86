import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBerthError } from '../../../src/errors.js';
import { fullString, parseReference } from '../../../src/image/reference.js';
import { isLoopbackHost, manifestReference, parseRemoteReference } from '../../../src/registry/reference.js';

const D = `sha256:${'b'.repeat(64)}`;

test('references normalise as Docker does', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['library/busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['me/app', 'docker.io/me/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/ns/repo:tag', 'localhost:5000/ns/repo:tag'],
    ['127.0.0.1:5000/a/b/c:v1.2-3_x', '127.0.0.1:5000/a/b/c:v1.2-3_x'],
    ['[::1]:5000/app:1', '[::1]:5000/app:1'],
    ['quay.io/x/y', 'quay.io/x/y:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`localhost:5000/x:1@${D}`, `localhost:5000/x:1@${D}`],
    ['me/a__b-c_d.e', 'docker.io/me/a__b-c_d.e:latest'],
  ];
  for (const [s, want] of cases) assert.equal(fullString(parseReference(s)), want, s);
});

test('malformed references: Docker\'s `invalid reference format`', () => {
  const bad = ['', 'a:b:c', 'x@sha256:12', 'a//b', ':tag', 'busybox:', 'busybox@', '-a', 'a-', 'a/-b', 'x:tag with space', 'host:port:5000/x', `x:${'t'.repeat(129)}`, `${'a/'.repeat(200)}a`, 'a@sha512:' + 'c'.repeat(128), 'busybox:!'];
  for (const s of bad) {
    assert.throws(() => parseReference(s), (e) => isBerthError(e, 'InvalidArgument') && /^invalid reference format/.test(e.message), JSON.stringify(s));
  }
  assert.throws(() => parseReference('Busybox'), { message: 'invalid reference format: repository name (library/Busybox) must be lowercase' });
  assert.throws(() => parseReference('me/App:1'), { message: 'invalid reference format: repository name (me/App) must be lowercase' });
  assert.throws(() => parseReference('a:b:c'), { message: 'invalid reference format' });
});

test('remote references: API host, path, and what the manifest URL names', () => {
  const hub = parseRemoteReference('busybox');
  assert.deepEqual({ ...hub }, { repository: 'docker.io/library/busybox', domain: 'docker.io', path: 'library/busybox', host: 'registry-1.docker.io', tag: 'latest', digest: undefined });
  const local = parseRemoteReference(`127.0.0.1:5000/ns/app:v1@${D}`);
  assert.equal(local.host, '127.0.0.1:5000');
  assert.equal(local.path, 'ns/app');
  assert.equal(manifestReference(local), D, 'tag+digest: the digest wins');
  assert.equal(manifestReference(parseRemoteReference('x:v2')), 'v2');
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1:1', '127.9.9.9', '[::1]:5000']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['example.com', '10.0.0.1:5000', 'localhost.example.com', '[::2]:1', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
});

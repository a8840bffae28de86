import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parsePlatform, pickPlatform, type ImageIndex } from '../../../src/image/manifest.js';
import { parseChallenge } from '../../../src/registry/auth.js';
import { retryAfterMs } from '../../../src/registry/blobChunks.js';
import { credentialsFor, eraseCredentials, isInsecureRegistry, storeCredentials } from '../../../src/registry/config.js';
import { errorText } from '../../../src/registry/registryError.js';
import { tmpDir } from '../../helpers.js';

test('WWW-Authenticate challenges', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
    scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
  });
  assert.deepEqual(parseChallenge('Basic realm="x \\"y\\""'), { scheme: 'basic', params: { realm: 'x "y"' } });
  assert.deepEqual(parseChallenge('Bearer realm=plain, error=insufficient_scope'), { scheme: 'bearer', params: { realm: 'plain', error: 'insufficient_scope' } });
  assert.equal(parseChallenge(undefined), undefined);
});

test('registry error bodies become one Docker-worded line; Retry-After', () => {
  assert.equal(errorText(Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')), 'manifest unknown: manifest unknown');
  assert.equal(errorText(Buffer.from('{"errors":[{"code":"UNAUTHORIZED","message":"bad\\n\\u001b[31mred"}]}')), 'unauthorized: bad [31mred');
  assert.equal(errorText(Buffer.from('<html>')), undefined);
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs('9999'), 60_000);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.ok((retryAfterMs(new Date(Date.now() + 5000).toUTCString()) ?? 0) > 3000);
});

test('platforms: parse, and pick from an index', () => {
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.throws(() => parsePlatform('linux/'), /unknown operating system or architecture/);
  const d = (c: string) => `sha256:${c.repeat(64)}` as const;
  const idx: ImageIndex = { schemaVersion: 2, manifests: [
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('a'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('b'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('c'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
  ] };
  assert.equal(pickPlatform(idx, 'x', { os: 'linux', architecture: 'arm64' }).digest, d('b'));
  assert.equal(pickPlatform(idx, 'x', parsePlatform('linux/arm64/v8')).digest, d('b'));
  assert.equal(pickPlatform(idx, 'x', parsePlatform('linux/arm/v7')).digest, d('c'));
  assert.throws(() => pickPlatform(idx, 'x', parsePlatform('linux/arm/v6')), { message: 'no matching manifest for linux/arm/v6 in the manifest list entries' });
});

test('credentials: Docker-compatible config.json under $BERTH_CONFIG, 0600, unknown keys kept', (t) => {
  const dir = tmpDir('berth-cfg-');
  const saved = process.env.BERTH_CONFIG;
  process.env.BERTH_CONFIG = dir;
  t.after(() => {
    if (saved === undefined) delete process.env.BERTH_CONFIG;
    else process.env.BERTH_CONFIG = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ psFormat: 'x', 'insecure-registries': ['reg.lan:5000'] }));
  storeCredentials('docker.io', { username: 'u', password: 'p:w' });
  storeCredentials('reg.lan:5000', { username: 'v', password: 'q' });
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(c.psFormat, 'x');
  assert.deepEqual(c.auths, { 'https://index.docker.io/v1/': { auth: Buffer.from('u:p:w').toString('base64') }, 'reg.lan:5000': { auth: Buffer.from('v:q').toString('base64') } });
  assert.equal(fs.statSync(path.join(dir, 'config.json')).mode & 0o777, 0o600);
  assert.deepEqual(credentialsFor('docker.io'), { username: 'u', password: 'p:w' });
  assert.ok(isInsecureRegistry('reg.lan:5000'));
  assert.ok(isInsecureRegistry('127.0.0.1:5000'));
  assert.ok(!isInsecureRegistry('reg.lan:5001'));
  assert.ok(eraseCredentials('docker.io'));
  assert.ok(!eraseCredentials('docker.io'));
  assert.equal(credentialsFor('docker.io'), undefined);
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { checkStore } from '../../src/image/checkStore.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { requiresRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage, createDataImage } from '../imageHelpers.js';
import { startFaultProxy } from '../faultProxy.js';
import { berthAsync, hasRegistry, startRegistry } from '../registryHarness.js';
import { startTokenServer } from '../tokenServer.js';

const needs = hasRegistry ? requiresRoot : { skip: 'needs Debian docker-registry' };

/**
 * docker-registry with `auth: token`: it verifies the test token server's ES256 JWTs against
 * the certificate bundle it was given; berth gets tokens per scope with its stored credentials.
 */
test('Bearer token auth: login, push, pull with scoped JWTs; refresh on expiry; a refused token and a narrower scope -> 401 -> new token', needs, async (t) => {
  const dir = tmpDir('berth-token-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'config');
  const tokens = await startTokenServer(dir, { alice: 'tok-s3cret' });
  t.after(() => tokens.close());
  const reg = await startRegistry({ token: tokens });
  t.after(() => reg.stop());
  const proxy = await startFaultProxy(reg.host);
  t.after(() => proxy.close());
  const outputs: string[] = [];
  const berth = async (root: string, args: string[], o: { input?: string; env?: Record<string, string> } = {}) => {
    const r = await berthAsync(path.join(dir, root), cfg, args, o);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const id = await createBusyboxImage(path.join(dir, 'a'), `${reg.host}/tok/app:1`);

  await t.test('anonymous: the token grants nothing, the registry says unauthorized', async () => {
    const r = await berth('a', ['push', `${reg.host}/tok/app:1`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^berth: .*unauthorized: authentication required.*\n$/);
    assert.equal(tokens.requests.at(-1)!.user, undefined);
    assert.deepEqual(tokens.requests.at(-1)!.granted, []);
  });

  await t.test('login: wrong password refused by the token server; right one stored', async () => {
    const wrong = await berth('a', ['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'nope\n' });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^berth: unauthorized: incorrect username or password\n$/);
    const ok = await berth('a', ['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'tok-s3cret\n' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, 'Login Succeeded\n');
    assert.equal(tokens.requests.at(-1)!.user, 'alice');
    // the fault proxy in front of the same registry is another host:port: credentials for it too
    assert.equal((await berth('a', ['login', '-u', 'alice', '--password-stdin', proxy.host], { input: 'tok-s3cret\n' })).status, 0);
  });

  await t.test('push and pull: tokens per scope, the same image', async () => {
    const from = tokens.requests.length;
    const push = await berth('a', ['push', `${reg.host}/tok/app:1`]);
    assert.equal(push.status, 0, push.stderr);
    const pull = await berth('b', ['pull', `${reg.host}/tok/app:1`]);
    assert.equal(pull.status, 0, pull.stderr);
    assert.equal(ImageStore.open(path.join(dir, 'b')).resolve(`${reg.host}/tok/app:1`).id, id);
    assert.deepEqual(await checkStore(ImageStore.open(path.join(dir, 'b'))), []);
    const scopes = tokens.requests.slice(from).map((r) => r.scopes.join(' '));
    assert.ok(scopes.includes('repository:tok/app:pull,push'), scopes.join(' | '));
    assert.ok(scopes.includes('repository:tok/app:pull'), scopes.join(' | '));
    assert.ok(tokens.requests.slice(from).every((r) => r.user === 'alice' && r.service === tokens.service));
  });

  await t.test('a token past its expires_in is fetched again within one pull', async () => {
    const src = path.join(dir, 'data');
    await createDataImage(src, `${reg.host}/tok/data:1`, 1 << 20);
    assert.equal((await berthAsync(src, cfg, ['push', '-q', `${reg.host}/tok/data:1`])).status, 0);
    const layer = ImageStore.open(src).resolve(`${reg.host}/tok/data:1`).manifest.layers[0];
    // expires_in 1 s; the layer blob first answers 429 Retry-After: 2, so its retry needs a new token
    tokens.policy.expiresIn = 1;
    proxy.rule = ({ url, n }) => (url.includes(`/blobs/${layer.digest}`) && n === 0 ? { kind: 'status', status: 429, retryAfter: '2' } : undefined);
    const from = tokens.requests.length;
    const r = await berth('c', ['pull', `${proxy.host}/tok/data:1`]);
    tokens.policy.expiresIn = undefined;
    assert.equal(r.status, 0, r.stderr);
    const pulls = tokens.requests.slice(from).filter((q) => q.scopes.join(' ') === 'repository:tok/data:pull');
    assert.ok(pulls.length >= 2, `a second token for the same scope after expiry (${pulls.length})`);
    const blob = proxy.requestsFor(layer.digest);
    assert.ok(pulls.some((q) => q.at >= blob[0].at + 1000), 'fetched after the first one expired');
  });

  await t.test('a token the registry refuses (expired by its clock): 401, a fresh token, success', async () => {
    tokens.policy.staleNext = true;
    proxy.rule = () => undefined;
    const before = proxy.requests.length;
    const r = await berth('d', ['pull', `${proxy.host}/tok/app:1`]);
    assert.equal(r.status, 0, r.stderr);
    const manifests = proxy.requests.slice(before).filter((q) => q.url.includes('/manifests/'));
    assert.deepEqual(manifests.slice(0, 2).map((q) => q.status), [401, 200]);
  });

  await t.test('a token narrower than asked (pull only for a push): the 401 names the scope, berth asks again', async () => {
    assert.equal((await berth('a', ['tag', `${reg.host}/tok/app:1`, `${proxy.host}/tok/app2:1`])).status, 0);
    tokens.policy.narrowNext = true;
    const before = proxy.requests.length;
    const from = tokens.requests.length;
    const r = await berth('a', ['push', `${proxy.host}/tok/app2:1`]);
    assert.equal(r.status, 0, r.stderr);
    const got = proxy.requests.slice(before);
    assert.ok(got.some((q) => q.status === 401), got.map((q) => `${q.method} ${q.url} ${q.status}`).join('\n'));
    const asked = tokens.requests.slice(from);
    assert.deepEqual(asked[0].granted.map((a) => a.actions.join(',')), ['pull'], 'the first token was narrowed');
    assert.ok(asked.length >= 2);
    const pulled = await berth('e', ['pull', `${reg.host}/tok/app2:1`]);
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.equal(ImageStore.open(path.join(dir, 'e')).resolve(`${reg.host}/tok/app2:1`).id, id);
  });

  await t.test('credentials and tokens never printed', () => {
    for (const o of outputs) {
      assert.ok(!o.includes('tok-s3cret'));
      assert.ok(!/eyJ[\w-]{10,}\./.test(o), 'no JWT in any output');
    }
  });
});

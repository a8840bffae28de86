import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { requiresRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';
import { berthAsync, hasRegistry, startRegistry } from '../registryHarness.js';

const needs = hasRegistry ? requiresRoot : { skip: 'needs Debian docker-registry' };

/**
 * A `docker-credential-NAME` program as docker-credential-helpers behave: get/erase read a
 * server URL on stdin, store a `{"ServerURL","Username","Secret"}` object, list prints
 * `{"url": "user"}`; unknown servers answer `credentials not found in native keychain`,
 * exit 1. It keeps its credentials in `store-NAME.json` beside itself and logs each action
 * (never what it was given) to `calls.log`.
 */
function writeHelper(dir: string, name: string): void {
  const src = `#!${process.execPath}
const fs = require('fs');
const path = require('path');
const file = path.join(__dirname, 'store-${name}.json');
const action = process.argv[2];
const input = fs.readFileSync(0, 'utf8');
fs.appendFileSync(path.join(__dirname, 'calls.log'), '${name} ' + action + '\\n');
const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
const save = () => fs.writeFileSync(file, JSON.stringify(all));
const missing = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (action === 'store') { const c = JSON.parse(input); all[c.ServerURL] = { Username: c.Username, Secret: c.Secret }; save(); }
else if (action === 'get') { const c = all[input.trim()]; if (!c) missing(); process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: c.Username, Secret: c.Secret })); }
else if (action === 'erase') { if (!all[input.trim()]) missing(); delete all[input.trim()]; save(); }
else if (action === 'list') { process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.Username])))); }
else { process.stdout.write('unknown action\\n'); process.exit(1); }
`;
  const f = path.join(dir, `docker-credential-${name}`);
  fs.writeFileSync(f, src, { mode: 0o755 });
}

test('credsStore / credHelpers: docker-credential-NAME get|store|erase|list as Docker runs them; not found -> anonymous; secrets never in config.json or output', needs, async (t) => {
  const dir = tmpDir('berth-credhelper-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  writeHelper(bin, 'berthtest');
  writeHelper(bin, 'other');
  const cfg = path.join(dir, 'config');
  fs.mkdirSync(cfg);
  const file = path.join(cfg, 'config.json');
  const reg = await startRegistry({ htpasswd: { alice: 'h3lper-pw' } });
  t.after(() => reg.stop());
  const a = path.join(dir, 'a');
  await createBusyboxImage(a, `${reg.host}/priv/app:1`);
  const env = { PATH: `${bin}:${process.env.PATH}` };
  const outputs: string[] = [];
  const berth = async (root: string, args: string[], input?: string) => {
    const p = await berthAsync(root, cfg, args, { input, env });
    outputs.push(p.stdout, p.stderr);
    return p;
  };
  const calls = () => {
    const f = path.join(bin, 'calls.log');
    const s = fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
    fs.rmSync(f, { force: true });
    return s.trim().split('\n').filter(Boolean);
  };
  const stored = (name: string) => JSON.parse(fs.readFileSync(path.join(bin, `store-${name}.json`), 'utf8')) as Record<string, { Username: string; Secret: string }>;

  fs.writeFileSync(file, JSON.stringify({ credsStore: 'berthtest', psFormat: 'kept' }));
  // nothing in the helper: "credentials not found" -> anonymous, and the registry wants Basic
  const anon = await berth(a, ['push', `${reg.host}/priv/app:1`]);
  assert.equal(anon.status, 1);
  assert.match(anon.stderr, /no basic auth credentials\n$/);
  assert.deepEqual(calls(), ['berthtest get']);

  const login = await berth(a, ['login', '-u', 'alice', '--password-stdin', reg.host], 'h3lper-pw\n');
  assert.equal(login.status, 0, login.stderr);
  assert.equal(login.stdout, 'Login Succeeded\n');
  assert.ok(!login.stderr.includes('unencrypted'), 'no warning: the helper keeps them');
  assert.deepEqual(calls(), ['berthtest store']);
  assert.deepEqual(stored('berthtest'), { [reg.host]: { Username: 'alice', Secret: 'h3lper-pw' } });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const conf = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(conf, { credsStore: 'berthtest', psFormat: 'kept', auths: { [reg.host]: {} } }, 'only an empty auths entry, as docker writes');

  const push = await berth(a, ['-D', 'push', `${reg.host}/priv/app:1`]);
  assert.equal(push.status, 0, push.stderr);
  assert.ok(calls().every((c) => c === 'berthtest get'));
  const pull = await berth(path.join(dir, 'b'), ['-D', 'pull', `${reg.host}/priv/app:1`]);
  assert.equal(pull.status, 0, pull.stderr);

  // logout erases in the helper and drops the auths entry
  const out = await berth(a, ['logout', reg.host]);
  assert.equal(out.stdout, `Removing login credentials for ${reg.host}\n`);
  assert.ok(calls().includes('berthtest erase'));
  assert.deepEqual(stored('berthtest'), {});
  assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { auths: unknown }).auths, {});
  assert.equal((await berth(a, ['logout', reg.host])).stdout, `Not logged in to ${reg.host}\n`);
  calls();

  // credHelpers wins over credsStore for its registry (the store named here does not even exist)
  fs.writeFileSync(file, JSON.stringify({ credsStore: 'absent', credHelpers: { [reg.host]: 'other' } }));
  const l2 = await berth(a, ['login', '-u', 'alice', '-p', 'h3lper-pw', reg.host]);
  assert.equal(l2.status, 0, l2.stderr);
  assert.deepEqual(calls(), ['other store']);
  assert.equal(stored('other')[reg.host].Secret, 'h3lper-pw');
  const p2 = await berth(path.join(dir, 'c'), ['pull', '-q', `${reg.host}/priv/app:1`]);
  assert.equal(p2.status, 0, p2.stderr);
  assert.deepEqual(calls(), ['other get']);

  // a helper that is not on PATH: one line, exit 1
  fs.writeFileSync(file, JSON.stringify({ credsStore: 'absent' }));
  const miss = await berth(path.join(dir, 'd'), ['pull', `${reg.host}/priv/app:1`]);
  assert.equal(miss.status, 1);
  assert.match(miss.stderr, /^berth: error getting credentials - err: exec: "docker-credential-absent": executable file not found in \$PATH\n$/);

  for (const o of outputs) {
    assert.ok(!o.includes('h3lper-pw'), 'the password is never printed');
    assert.ok(!o.includes(Buffer.from('alice:h3lper-pw').toString('base64')), 'nor its base64');
  }
});

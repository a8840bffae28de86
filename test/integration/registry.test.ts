import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { checkStore } from '../../src/image/checkStore.js';
import { sha256 } from '../../src/image/digest.js';
import { ImageStore } from '../../src/image/ImageStore.js';
import { berthBin, requiresRoot, tmpDir } from '../helpers.js';
import { createBusyboxImage } from '../imageHelpers.js';
import { hasRegistry, skopeo, startRegistry } from '../registryHarness.js';

const needs = hasRegistry ? requiresRoot : { skip: 'needs Debian docker-registry' };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** berth as a child process, asynchronously (in-process fake servers must keep answering). */
function berth(root: string, cfg: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const c = execFile(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, BERTH_ACCEL: '0', BERTH_CONFIG: cfg } }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
    if (input !== undefined) c.stdin!.end(input);
  });
}

function setup(t: { after: (fn: () => void) => void }) {
  const dir = tmpDir('berth-reg-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = path.join(dir, 'config');
  return { dir, cfg, root: (n: string) => path.join(dir, n) };
}

test('berth pulls what skopeo pushed (OCI and Docker media types), by tag and digest, and runs it', needs, async (t) => {
  const { dir, cfg, root } = setup(t);
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const id = await createBusyboxImage(root('src'), 'busybox:latest');
  const src = `oci:${root('src')}/content:busybox:latest`;
  skopeo('copy', '--dest-tls-verify=false', '--format', 'oci', src, `docker://${reg.host}/sk/oci:1`);
  skopeo('copy', '--dest-tls-verify=false', '--format', 'v2s2', src, `docker://${reg.host}/sk/docker:1`);

  const r = root('pulled');
  const p1 = await berth(r, cfg, ['pull', `${reg.host}/sk/oci:1`]);
  assert.equal(p1.status, 0, p1.stderr);
  assert.match(p1.stdout, /^1: Pulling from sk\/oci\n[0-9a-f]{12}: Pulling fs layer\n/);
  assert.match(p1.stdout, /: Pull complete\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for 127\.0\.0\.1:\d+\/sk\/oci:1\n127\.0\.0\.1:\d+\/sk\/oci:1\n$/);
  const p2 = await berth(r, cfg, ['pull', '-q', `${reg.host}/sk/docker:1`]);
  assert.equal(p2.status, 0, p2.stderr);
  assert.equal(p2.stdout, `${reg.host}/sk/docker:1\n`);
  const again = await berth(r, cfg, ['image', 'pull', `${reg.host}/sk/oci:1`]);
  assert.match(again.stdout, /Status: Image is up to date for/);

  const store = ImageStore.open(r);
  assert.equal(store.resolve(`${reg.host}/sk/oci:1`).id, id, 'same config, same image ID');
  assert.equal(store.resolve(`${reg.host}/sk/docker:1`).id, id);
  const types = store.resolve(id).manifestDigests.map((d) => store.manifestDescriptor(d).mediaType).sort();
  assert.deepEqual(types, ['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json'], 'both manifests kept as the registry sent them');
  assert.deepEqual(await checkStore(store), []);

  // by digest, into another root
  const digest = sha256(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/sk/oci:1`));
  const r2 = root('bydigest');
  const pd = await berth(r2, cfg, ['pull', `${reg.host}/sk/oci@${digest}`]);
  assert.equal(pd.status, 0, pd.stderr);
  assert.equal(ImageStore.open(r2).resolve(`${reg.host}/sk/oci@${digest}`).id, id);

  const run = await berth(r, cfg, ['run', '--rm', '--network', 'none', `${reg.host}/sk/oci:1`, 'echo', 'pulled and running']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'pulled and running\n');
  void dir;
});

test('push -> pull into a fresh root: same image ID and layer digests; skopeo reads it; blobs already there are skipped, mounted across repos', needs, async (t) => {
  const { cfg, root } = setup(t);
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const a = root('a');
  const id = await createBusyboxImage(a, `${reg.host}/team/app:v1`);
  const push = await berth(a, cfg, ['push', `${reg.host}/team/app:v1`]);
  assert.equal(push.status, 0, push.stderr);
  assert.match(push.stdout, /^The push refers to repository \[127\.0\.0\.1:\d+\/team\/app\]\n[0-9a-f]{12}: Preparing\n/);
  assert.match(push.stdout, /[0-9a-f]{12}: Pushed\nv1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
  const local = ImageStore.open(a).resolve(`${reg.host}/team/app:v1`);
  const want = push.stdout.match(/digest: (sha256:[0-9a-f]{64})/)![1];
  assert.equal(want, local.manifestDigests[0], 'the manifest travels byte for byte');

  // skopeo reads what berth pushed
  const cfgJson = JSON.parse(skopeo('inspect', '--tls-verify=false', '--config', `docker://${reg.host}/team/app:v1`)) as { rootfs: { diff_ids: string[] } };
  assert.deepEqual(cfgJson.rootfs.diff_ids, local.config.rootfs.diff_ids);
  skopeo('copy', '--src-tls-verify=false', `docker://${reg.host}/team/app:v1`, `oci:${root('sk')}:x`);

  // pull into a fresh root: the same image
  const b = root('b');
  const pull = await berth(b, cfg, ['pull', `${reg.host}/team/app:v1`]);
  assert.equal(pull.status, 0, pull.stderr);
  const got = ImageStore.open(b).resolve(`${reg.host}/team/app:v1`);
  assert.equal(got.id, id);
  assert.deepEqual(got.manifest.layers.map((l) => l.digest), local.manifest.layers.map((l) => l.digest));
  assert.deepEqual(await checkStore(ImageStore.open(b)), []);

  // again: the registry has every layer
  const again = await berth(a, cfg, ['push', `${reg.host}/team/app:v1`]);
  assert.match(again.stdout, /: Layer already exists\n/);
  // the pulled image pushed to another repository: mounted from the one it came from
  assert.equal((await berth(b, cfg, ['tag', `${reg.host}/team/app:v1`, `${reg.host}/other/app:v2`])).status, 0);
  const mount = await berth(b, cfg, ['push', `${reg.host}/other/app:v2`]);
  assert.equal(mount.status, 0, mount.stderr);
  assert.match(mount.stdout, /: Mounted from team\/app\n/);
  // -a pushes every tag of the repository; -q prints only the name
  assert.equal((await berth(a, cfg, ['tag', `${reg.host}/team/app:v1`, `${reg.host}/team/app:v2`])).status, 0);
  const all = await berth(a, cfg, ['push', '-a', '-q', `${reg.host}/team/app`]);
  assert.equal(all.status, 0, all.stderr);
  assert.equal(all.stdout, `${reg.host}/team/app\n`);
  const tags = JSON.parse(skopeo('list-tags', '--tls-verify=false', `docker://${reg.host}/team/app`)) as { Tags: string[] };
  assert.deepEqual(tags.Tags.sort(), ['v1', 'v2']);
  const pa = await berth(root('c'), cfg, ['pull', '-a', `${reg.host}/team/app`]);
  assert.equal(pa.status, 0, pa.stderr);
  assert.deepEqual(ImageStore.open(root('c')).resolve(`${reg.host}/team/app:v2`).id, id);
});

test('pull errors: missing tag, missing repository, closed port, bad reference, push of a missing tag -> one line, exit 1', needs, async (t) => {
  const { cfg, root } = setup(t);
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const r = root('r');
  const cases: [string[], RegExp][] = [
    [['pull', `${reg.host}/nothing:here`], /^berth: manifest for 127\.0\.0\.1:\d+\/nothing:here not found: manifest unknown: manifest unknown\n$/],
    [['pull', '127.0.0.1:1/x'], /^berth: GET "http:\/\/127\.0\.0\.1:1\/v2\/": dial tcp 127\.0\.0\.1:1: connect: connection refused\n$/],
    [['pull', 'Busybox'], /^berth: invalid reference format: repository name \(library\/Busybox\) must be lowercase\n$/],
    [['pull', 'a:b:c'], /^berth: invalid reference format\n$/],
    [['pull', '--platform', 'linux/', `${reg.host}/x`], /unknown operating system or architecture/],
    [['push', `${reg.host}/absent:1`], /^berth: An image does not exist locally with the tag: 127\.0\.0\.1:\d+\/absent\n$/],
  ];
  for (const [args, re] of cases) {
    const p = await berth(r, cfg, args);
    assert.equal(p.status, 1, `${args.join(' ')}: ${p.stderr}`);
    assert.match(p.stderr, re, args.join(' '));
  }
  assert.deepEqual(await checkStore(ImageStore.open(r)), []);
});

/** A hostile registry on loopback: its manifest is huge, or its blobs redirect in a loop or to file:. */
async function hostileRegistry(mode: 'big-manifest' | 'loop' | 'file' | 'bad-blob'): Promise<{ host: string; close: () => Promise<void> }> {
  const layer = Buffer.from('not really a tar, and the digest will not match anyway');
  const cfgBuf = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const man = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(cfgBuf), size: cfgBuf.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }] }));
  const srv = http.createServer((req, res) => {
    const u = req.url ?? '';
    if (u === '/v2/') return res.end('{}');
    if (u.includes('/manifests/')) {
      if (mode === 'big-manifest') {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        const chunk = Buffer.alloc(1 << 20, 0x20);
        for (let i = 0; i < 6; i++) res.write(chunk);
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      return res.end(man);
    }
    if (u.endsWith(sha256(cfgBuf))) return res.end(cfgBuf);
    if (u.includes('/blobs/')) {
      if (mode === 'loop') {
        res.writeHead(307, { location: u.includes('hop') ? '/v2/x/blobs/hop1' : '/v2/x/blobs/hop1' });
        return res.end();
      }
      if (mode === 'file') {
        res.writeHead(307, { location: 'file:///etc/passwd' });
        return res.end();
      }
      return res.end(Buffer.concat([layer.subarray(0, 10), Buffer.from('X'), layer.subarray(11)]));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(srv.address() as { port: number }).port}`;
  return { host, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

test('hostile registries: a manifest over 4 MiB, a redirect loop, a redirect to file:, a flipped byte -> refused, nothing stored', requiresRoot, async (t) => {
  const { cfg, root } = setup(t);
  const r = root('r');
  const cases: ['big-manifest' | 'loop' | 'file' | 'bad-blob', RegExp][] = [
    ['big-manifest', /^berth: manifest for 127\.0\.0\.1:\d+\/x:latest: over the 4194304-byte limit\n$/],
    ['loop', /^berth: GET "http:\/\/127\.0\.0\.1:\d+\/v2\/x\/blobs\/sha256:[0-9a-f]+": redirect loop at http:\/\/127\.0\.0\.1:\d+\/v2\/x\/blobs\/hop1\n$/],
    ['file', /^berth: GET "http:\/\/127\.0\.0\.1:\d+\/v2\/x\/blobs\/sha256:[0-9a-f]+": refusing redirect to a file URL\n$/],
    ['bad-blob', /^berth: filesystem layer verification failed for digest sha256:[0-9a-f]{64}\n$/],
  ];
  for (const [mode, re] of cases) {
    const h = await hostileRegistry(mode);
    try {
      const p = await berth(r, cfg, ['pull', `${h.host}/x`]);
      assert.equal(p.status, 1, `${mode}: ${p.stderr}`);
      assert.match(p.stderr, re, mode);
    } finally {
      await h.close();
    }
  }
  const store = ImageStore.open(r);
  assert.deepEqual(store.list(), []);
  assert.deepEqual(store.content.list(), []);
  assert.deepEqual(store.layers.list(), []);
  assert.deepEqual(fs.readdirSync(store.content.ingestDir), []);
  assert.deepEqual(await checkStore(store), []);
});

test('login/logout against htpasswd Basic auth: config.json (auths, base64, 0600), wrong password refused, credentials never printed', needs, async (t) => {
  const { cfg, root } = setup(t);
  const reg = await startRegistry({ htpasswd: { alice: 's3cret-pw' } });
  t.after(() => reg.stop());
  const a = root('a');
  await createBusyboxImage(a, `${reg.host}/priv/app:1`);
  const outputs: string[] = [];
  const run = async (args: string[], input?: string) => {
    const p = await berth(a, cfg, args, input);
    outputs.push(p.stdout, p.stderr);
    return p;
  };
  const anon = await run(['push', `${reg.host}/priv/app:1`]);
  assert.equal(anon.status, 1);
  assert.match(anon.stderr, /no basic auth credentials\n$/);

  const wrong = await run(['login', '-u', 'alice', '--password-stdin', reg.host], 'wrong\n');
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^berth: GET "http:\/\/127\.0\.0\.1:\d+\/v2\/": unauthorized: authentication required\n$/);
  assert.ok(!fs.existsSync(path.join(cfg, 'config.json')), 'nothing stored after a failed login');

  const warn = await run(['login', '-u', 'alice', '-p', 's3cret-pw', reg.host]);
  assert.equal(warn.status, 0, warn.stderr);
  assert.match(warn.stderr, /^WARNING! Using --password via the CLI is insecure\. Use --password-stdin\.\n/);
  const ok = await run(['login', '-u', 'alice', '--password-stdin', `http://${reg.host}/`], 's3cret-pw\n');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'Login Succeeded\n');
  const file = path.join(cfg, 'config.json');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const conf = JSON.parse(fs.readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> };
  assert.equal(Buffer.from(conf.auths[reg.host].auth, 'base64').toString(), 'alice:s3cret-pw');

  const push = await run(['-D', 'push', `${reg.host}/priv/app:1`]);
  assert.equal(push.status, 0, push.stderr);
  const pull = await berth(root('b'), cfg, ['-D', 'pull', `${reg.host}/priv/app:1`]);
  outputs.push(pull.stdout, pull.stderr);
  assert.equal(pull.status, 0, pull.stderr);

  assert.equal((await run(['logout', reg.host])).stdout, `Removing login credentials for ${reg.host}\n`);
  assert.equal((await run(['logout', reg.host])).stdout, `Not logged in to ${reg.host}\n`);
  const after = await berth(root('c'), cfg, ['pull', `${reg.host}/priv/app:1`]);
  assert.equal(after.status, 1);
  for (const o of outputs) {
    assert.ok(!o.includes('s3cret-pw'), 'the password is never printed');
    assert.ok(!o.includes(Buffer.from('alice:s3cret-pw').toString('base64')), 'nor its base64');
  }
});

test('run/create --pull missing|always|never; manifest inspect', needs, async (t) => {
  const { cfg, root } = setup(t);
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const a = root('a');
  const id = await createBusyboxImage(a, `${reg.host}/lib/bb:1`);
  assert.equal((await berth(a, cfg, ['push', '-q', `${reg.host}/lib/bb:1`])).status, 0);
  const b = root('b');
  const never = await berth(b, cfg, ['run', '--rm', '--pull', 'never', '--network', 'none', `${reg.host}/lib/bb:1`, 'true']);
  assert.equal(never.status, 125);
  assert.match(never.stderr, /^berth: No such image: 127\.0\.0\.1:\d+\/lib\/bb:1\n$/); // Docker's words for --pull never
  const bogus = await berth(b, cfg, ['run', '--rm', '--pull', 'sometimes', `${reg.host}/lib/bb:1`, 'true']);
  assert.equal(bogus.status, 125);
  assert.match(bogus.stderr, /^berth: invalid pull option: 'sometimes': must be one of "always", "missing" or "never"\n$/);
  const run = await berth(b, cfg, ['run', '--rm', '--network', 'none', `${reg.host}/lib/bb:1`, 'echo', 'hi']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'hi\n');
  assert.match(run.stderr, /^Unable to find image '127\.0\.0\.1:\d+\/lib\/bb:1' locally\n1: Pulling from lib\/bb\n/);
  assert.match(run.stderr, /Status: Downloaded newer image for 127\.0\.0\.1:\d+\/lib\/bb:1\n$/);
  const always = await berth(b, cfg, ['create', '--pull', 'always', `${reg.host}/lib/bb:1`]);
  assert.equal(always.status, 0, always.stderr);
  assert.match(always.stderr, /Status: Image is up to date for/);
  assert.equal((await berth(b, cfg, ['rm', always.stdout.trim()])).status, 0);
  const missingRemote = await berth(b, cfg, ['run', '--rm', `${reg.host}/lib/none:1`, 'true']);
  assert.equal(missingRemote.status, 125);
  assert.match(missingRemote.stderr, /berth: manifest for 127\.0\.0\.1:\d+\/lib\/none:1 not found: manifest unknown/);

  const mi = await berth(b, cfg, ['manifest', 'inspect', `${reg.host}/lib/bb:1`]);
  assert.equal(mi.status, 0, mi.stderr);
  const m = JSON.parse(mi.stdout) as { config: { digest: string } };
  assert.equal(m.config.digest, id);
});

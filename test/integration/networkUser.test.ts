import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { requiresRoot, tmpDir } from '../helpers.js';
import { attachContainer, detachContainer, createNetwork, removeNetwork, pruneNetworks, reconcile, NetworkStore, type AttachResult } from '../../src/network/index.js';
import { isBerthError } from '../../src/errors.js';
import { Netns, httpd, LeakCheck, freeSubnet, rand, wget } from './networkHarness.js';

const wireJs = new URL('../../src/network/dns/wire.js', import.meta.url).pathname;

/**
 * A fake upstream resolver on loopback (every A query gets 10.9.9.9), in its own process
 * because the test blocks in spawnSync while a query is forwarded.
 */
function fakeUpstream(): Promise<{ port: number; proc: ChildProcess }> {
  const js = `import('${wireJs}').then((w) => { const s = require('dgram').createSocket('udp4');
    s.on('message', (m, r) => { const q = w.parseQuery(m); if (q) s.send(w.buildResponse(m, q, q.question.type === 1 ? ['10.9.9.9'] : []), r.port, r.address); });
    s.bind(0, '127.0.0.1', () => console.log(s.address().port)); });`;
  const proc = spawn(process.execPath, ['-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => proc.stdout!.once('data', (d: Buffer) => resolve({ port: Number(d.toString().trim()), proc })));
}

/** Resolve a name inside ns with busybox nslookup against the network's DNS server. */
function nslookup(ns: Netns, name: string, server: string): string[] {
  const r = ns.exec(['/bin/busybox', 'nslookup', name, server]);
  const after = r.out.split(/Name:\s/).slice(1).join('\n');
  return [...after.matchAll(/Address:\s*(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]);
}

describe('network: user networks, DNS, isolation, internal', requiresRoot, () => {
  const root = tmpDir();
  const tag = rand();
  const names = { front: `front-${tag}`, back: `back-${tag}`, priv: `priv-${tag}` };
  const nss: Netns[] = [];
  const attached: { id: string; net: string }[] = [];
  const leak = new LeakCheck(root);
  const F = freeSubnet();
  const B = freeSubnet();
  const P = freeSubnet();
  const gwF = F.at(1);
  const gwP = P.at(1);
  let upstream: { port: number; proc: ChildProcess } | undefined;
  const r: Record<string, AttachResult> = {};
  const ns: Record<string, Netns> = {};

  async function attach(key: string, net: string, aliases: string[] = []): Promise<void> {
    const n = new Netns();
    nss.push(n);
    ns[key] = n;
    const id = `${key}${rand()}`.padEnd(64, '0');
    attached.push({ id, net });
    r[key] = await attachContainer({ root, containerId: id, name: key, aliases, netnsPath: n.path, network: net });
    leak.trackAttach(r[key]);
    n.setResolvConf(r[key].files.resolvConf);
  }

  before(async () => {
    upstream = await fakeUpstream();
    const up = [`127.0.0.1#${upstream.port}`];
    leak.trackNet(await createNetwork(root, { name: names.front, subnet: F.cidr, dnsUpstream: up }));
    leak.trackNet(await createNetwork(root, { name: names.back, subnet: B.cidr, dnsUpstream: up }));
    leak.trackNet(await createNetwork(root, { name: names.priv, subnet: P.cidr, internal: true, dnsUpstream: up }));
    await attach('alpha', names.front, ['web']);
    await attach('beta', names.front);
    await attach('gamma', names.back);
    await attach('delta', names.priv);
    await attach('eps', names.priv);
    await httpd(ns.alpha, 8080, 'alpha says hi');
    await httpd(ns.gamma, 8080, 'gamma says hi');
  });

  after(async () => {
    for (const a of attached) await detachContainer({ root, containerId: a.id, network: a.net }).catch(() => undefined);
    for (const n of Object.values(names)) await removeNetwork(root, n).catch(() => undefined);
    for (const n of nss) {
      leak.track(n.name);
      n.cleanup();
    }
    if (upstream?.proc.pid) process.kill(upstream.proc.pid, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(leak.leaks(), [], 'no leaked links, rules, netns, addresses or processes');
  });

  test('containers resolve each other by name and alias through the network DNS server', () => {
    assert.equal(r.beta.files.resolvConf.split('\n')[0], `nameserver ${gwF}`);
    assert.deepEqual(nslookup(ns.beta, 'alpha', gwF), [r.alpha.ip]);
    assert.deepEqual(nslookup(ns.beta, 'web', gwF), [r.alpha.ip]);
    assert.deepEqual(nslookup(ns.alpha, 'beta', gwF), [r.beta.ip]);
    // Names of another network are not answered there (forwarded upstream instead).
    assert.deepEqual(nslookup(ns.beta, 'gamma', gwF), ['10.9.9.9']);
  });

  test('by name over TCP, using the container resolv.conf', () => {
    assert.equal(wget(ns.beta, 'http://web:8080/').out, 'alpha says hi');
    assert.equal(wget(ns.beta, 'http://alpha:8080/').out, 'alpha says hi');
  });

  test('other names are forwarded to the upstream resolver', () => {
    assert.deepEqual(nslookup(ns.alpha, 'example.test', gwF), ['10.9.9.9']);
  });

  test('containers on different networks cannot reach each other', () => {
    assert.notEqual(ns.alpha.exec(['/bin/busybox', 'ping', '-c', '1', '-W', '1', r.gamma.ip]).status, 0);
    assert.notEqual(wget(ns.gamma, `http://${r.alpha.ip}:8080/`).status, 0);
    assert.notEqual(wget(ns.alpha, `http://${r.gamma.ip}:8080/`).status, 0);
    // Same network: fine.
    assert.equal(ns.beta.exec(['/bin/busybox', 'ping', '-c', '1', '-W', '5', r.alpha.ip]).status, 0);
  });

  test('internal network: no default route, no NAT, but its members talk and resolve', () => {
    const routes = ns.delta.exec(['ip', 'route']).out;
    assert.doesNotMatch(routes, /default/);
    assert.notEqual(ns.delta.exec(['ip', 'route', 'get', '192.0.2.77']).status, 0, 'no route outside');
    assert.equal(ns.delta.exec(['/bin/busybox', 'ping', '-c', '1', '-W', '5', r.eps.ip]).status, 0);
    assert.deepEqual(nslookup(ns.delta, 'eps', gwP), [r.eps.ip]);
    // Internal networks do not forward names upstream.
    assert.deepEqual(nslookup(ns.delta, 'example.test', gwP), []);
  });

  test('a second endpoint with the same name is refused; network rm refuses while in use', async () => {
    const n = new Netns();
    nss.push(n);
    await assert.rejects(attachContainer({ root, containerId: 'z'.repeat(64), name: 'alpha', netnsPath: n.path, network: names.front }), (e: unknown) => isBerthError(e, 'Conflict'));
    await assert.rejects(removeNetwork(root, names.front), (e: unknown) => isBerthError(e, 'FailedPrecondition') && /has active endpoints/.test((e as Error).message));
    await assert.rejects(removeNetwork(root, 'bridge'), /pre-defined network/);
    assert.deepEqual(await pruneNetworks(root), []);
  });

  test('reconcile restarts a DNS server that died', async () => {
    const store = new NetworkStore(root);
    const pid = store.get(names.front).dnsPid!;
    process.kill(pid, 'SIGKILL'); // the test's own child (started by attachContainer in this process)
    for (let i = 0; i < 500 && fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.js'); i++) await new Promise((res) => setTimeout(res, 10));
    await reconcile(root);
    const now = store.get(names.front).dnsPid!;
    assert.ok(now && now !== pid);
    assert.deepEqual(nslookup(ns.beta, 'web', gwF), [r.alpha.ip]);
  });

  test('the DNS server stops with the last container; detached names disappear', async () => {
    const store = new NetworkStore(root);
    const pid = store.get(names.back).dnsPid!;
    assert.ok(pid > 0 && fs.existsSync(`/proc/${pid}`));
    const g = attached.find((a) => a.net === names.back)!;
    await detachContainer({ root, containerId: g.id, network: names.back });
    assert.equal(store.get(names.back).dnsPid, undefined);
    // Wait for the SIGTERM'd process to be gone (it is ours: we started it).
    for (let i = 0; i < 500 && fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.js'); i++) await new Promise((res) => setTimeout(res, 10));
    assert.ok(!fs.existsSync(`/proc/${pid}/cmdline`) || !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.js'));
    // beta leaves front: its name is no longer answered by front's server.
    const b = attached.find((a) => a.id.startsWith('beta'))!;
    await detachContainer({ root, containerId: b.id, network: names.front });
    assert.deepEqual(nslookup(ns.alpha, 'beta', gwF), ['10.9.9.9']);
    assert.deepEqual(await pruneNetworks(root), [names.back]);
  });
});

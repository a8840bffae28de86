/**
 * `berth-helper net` (native/src/netlink.c): persistent netns files and link/address/route
 * ops over rtnetlink; and the firewall trust an attach without published ports relies on
 * (src/network/applyFirewall.ts firewallTrust).
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { requiresRoot, tmpDir } from '../helpers.js';
import { helperPath } from '../../src/sys/paths.js';
import { createNetns, createNetnsAsync, isBoundNetns, removeNetns } from '../../src/sys/netns.js';
import { applyNetOps, linkExists, rulesetGeneration, iptablesSaveBoth } from '../../src/sys/netExec.js';
import { attachContainer, detachContainer, ensureDefaultNetwork, removeNetwork, NetworkStore } from '../../src/network/index.js';
import { firewallTrust, syncFirewall } from '../../src/network/applyFirewall.js';
import { LeakCheck, freeSubnet, rand, sh } from './networkHarness.js';

const mountinfo = () => fs.readFileSync('/proc/self/mountinfo', 'utf8');
const net = (args: string[]) => spawnSync(helperPath, ['net', ...args], { encoding: 'utf8' });
const inNs = (file: string, args: string[]) => sh('nsenter', [`--net=${file}`, ...args]);

describe('berth-helper net', requiresRoot, () => {
  const dir = tmpDir('berth-nethelper-');
  const bridge = `berthH${rand().slice(0, 8)}`;
  const host = `bvH${rand().slice(0, 8)}`;
  after(() => {
    for (const l of [host, bridge]) if (linkExists(l)) spawnSync('ip', ['link', 'del', l]);
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) removeNetns(path.join(dir, f));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('netns-new binds a new nsfs file (not the host netns); netns-rm unmounts and removes it', async () => {
    const a = createNetns(path.join(dir, 'a'));
    const b = await createNetnsAsync(path.join(dir, 'b'));
    for (const f of [a, b]) {
      assert.ok(isBoundNetns(f), `${f} is a mount`);
      assert.ok(mountinfo().includes(f));
      assert.equal(spawnSync('stat', ['-f', '-c', '%T', f], { encoding: 'utf8' }).stdout.trim(), 'nsfs');
    }
    assert.notEqual(fs.statSync(a).ino, fs.statSync('/proc/self/ns/net').ino, 'a new namespace, not the host one');
    assert.notEqual(fs.statSync(a).ino, fs.statSync(b).ino);
    assert.equal(createNetns(a), a, 'an existing one is kept');
    for (const f of [a, b]) {
      removeNetns(f);
      assert.ok(!fs.existsSync(f));
      assert.ok(!mountinfo().includes(f), 'no mount left');
    }
    removeNetns(a); // missing is fine
  });

  test('one run: veth onto a bridge with its peer in the netns, lo, address, default route; del removes the pair', async () => {
    const ns = createNetns(path.join(dir, 'c'));
    sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    const { generation } = await applyNetOps(
      [
        { kind: 'veth', host, peer: 'eth0', mac: '02:42:0a:0b:0c:0d', bridge, peerNetns: ns },
        { kind: 'up', netns: ns, dev: 'lo' },
        { kind: 'addr', netns: ns, dev: 'eth0', cidr: '10.213.250.2/24' },
        { kind: 'up', netns: ns, dev: 'eth0' },
        { kind: 'route-default', netns: ns, gateway: '10.213.250.1', dev: 'eth0' },
      ],
      { rulesetGeneration: true },
    );
    assert.equal(typeof generation, 'number');
    assert.match(sh('ip', ['-o', 'link', 'show', host]), new RegExp(`master ${bridge}`));
    const inside = inNs(ns, ['ip', '-o', 'addr']);
    assert.match(inside, /eth0\s+inet 10\.213\.250\.2\/24/);
    assert.match(inside, /lo\s+inet 127\.0\.0\.1/);
    assert.match(inNs(ns, ['ip', 'link', 'show', 'eth0']), /link\/ether 02:42:0a:0b:0c:0d/);
    assert.match(inNs(ns, ['ip', 'route']), /^default via 10\.213\.250\.1 dev eth0/m);
    await applyNetOps([{ kind: 'del', dev: host }]);
    assert.ok(!linkExists(host));
    assert.doesNotMatch(inNs(ns, ['ip', '-o', 'link']), /eth0/, 'the peer went with it');
    removeNetns(ns);
  });

  test('errors are one line naming the op and the object; usage errors change nothing', () => {
    const r = net(['veth', 'bvX', 'eth0', '-', '-', path.join(dir, 'missing')]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^net: veth `bvX`: No such file or directory/);
    const u = net(['netns-new', path.join(dir, 'd'), 'bogus']);
    assert.equal(u.status, 2);
    assert.ok(!fs.existsSync(path.join(dir, 'd')), 'nothing ran');
    assert.equal(net(['addr', 'lo', 'not-a-cidr']).status, 1);
    assert.equal(net(['veth', 'x'.repeat(20), 'eth0', '-', '-', '/proc/self/ns/net']).status, 1);
    assert.equal(net(['veth', 'bvY', 'eth0', '02:42:zz', '-', '/proc/self/ns/net']).status, 1, 'a bad MAC');
    assert.ok(!linkExists('bvY'));
  });
});

describe('firewall trust: an attach without published ports skips the check only while the ruleset is unchanged', requiresRoot, () => {
  const root = tmpDir();
  const S = freeSubnet();
  const leak = new LeakCheck(root);
  const dir = tmpDir('berth-fwtrust-');
  const ids: string[] = [];
  after(async () => {
    for (const id of ids) await detachContainer({ root, containerId: id }).catch(() => undefined);
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) removeNetns(path.join(dir, f));
    await removeNetwork(root, 'bridge', { allowDefault: true }).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(leak.leaks(), []);
  });

  test('a sync records the generation; a change elsewhere drops the trust, and the next attach puts rules back', async () => {
    const n = await ensureDefaultNetwork(root, { bridge: `berthT${rand()}`, subnet: S.cidr });
    leak.trackNet(n);
    const attach = async (name: string) => {
      const id = name.repeat(64).slice(0, 64);
      ids.push(id);
      const r = await attachContainer({ root, containerId: id, name, netnsPath: createNetns(path.join(dir, name)) });
      leak.trackAttach(r);
      return r;
    };
    await attach('a');
    const saved = await iptablesSaveBoth();
    if (!saved.nft) {
      // Legacy iptables: trust by age only.
      assert.deepEqual(firewallTrust(n.id), {});
      return;
    }
    const gen = await rulesetGeneration();
    assert.deepEqual(firewallTrust(n.id), { generation: gen }, 'the sync of the first attach recorded the generation');
    await attach('b');
    assert.equal(await rulesetGeneration(), gen, 'a trusted attach changes no rule');
    // Someone else changes the ruleset (here: a chain of berth's, as a flush by hand would).
    const chain = `BERTH-F-${n.id.slice(0, 12)}`;
    sh('iptables', ['-F', chain]);
    assert.notEqual(await rulesetGeneration(), gen);
    // A sync of another network meanwhile must not vouch for this one's chains.
    await syncFirewall(() => []);
    assert.equal(firewallTrust(n.id), undefined);
    await attach('c');
    assert.match(sh('iptables', ['-S', chain]), /-j ACCEPT/, 'rules put back by the next attach');
    assert.deepEqual(firewallTrust(n.id), { generation: await rulesetGeneration() });
    assert.ok(new NetworkStore(root).get('bridge').endpoints[ids[2]]);
  });
});

describe('containers attached by the helper: bytes arrive intact over the bridge', requiresRoot, () => {
  const root = tmpDir();
  const S = freeSubnet();
  const leak = new LeakCheck(root);
  const dir = tmpDir('berth-bigtcp-');
  const ids = ['x'.repeat(64), 'y'.repeat(64)];
  const procs: number[] = [];
  after(async () => {
    for (const pid of procs) try { process.kill(pid, 'SIGKILL'); } catch { /* ended */ }
    for (const id of ids) await detachContainer({ root, containerId: id }).catch(() => undefined);
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) removeNetns(path.join(dir, f));
    await removeNetwork(root, 'bridge', { allowDefault: true }).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(leak.leaks(), []);
  });

  test('64 MiB from one container to another: same length and digest', async () => {
    const n = await ensureDefaultNetwork(root, { bridge: `berthT${rand()}`, subnet: S.cidr });
    leak.trackNet(n);
    const [a] = await Promise.all(ids.map(async (id, i) => {
      const r = await attachContainer({ root, containerId: id, name: `big${i}`, netnsPath: createNetns(path.join(dir, id.slice(0, 1))) });
      leak.trackAttach(r);
      return r;
    }));
    const nsA = path.join(dir, 'x');
    const nsB = path.join(dir, 'y');
    const port = 47000 + Math.floor(Math.random() * 1000);
    const server = `const c=require('crypto').createHash('sha256');let n=0;const s=require('net').createServer(k=>{k.on('data',d=>{n+=d.length;c.update(d)});k.on('end',()=>{console.log(n+' '+c.digest('hex'));s.close()})});s.listen(${port},'${a.ip}',()=>console.log('ready'));`;
    const client = `const c=require('crypto');const h=c.createHash('sha256');const k=require('net').connect(${port},'${a.ip}',()=>{let left=64;const w=()=>{while(left-->0){const b=c.randomBytes(1<<20);h.update(b);if(!k.write(b))return k.once('drain',w)}k.end(()=>console.log((64<<20)+' '+h.digest('hex')))};w()});`;
    const { spawn } = await import('node:child_process');
    const srv = spawn('nsenter', [`--net=${nsA}`, process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(srv.pid!);
    let out = '';
    const ended = new Promise((r) => srv.on('close', r));
    await new Promise<void>((r) => srv.stdout!.on('data', (d: Buffer) => ((out += d), out.includes('ready') && r())));
    const sent = spawnSync('nsenter', [`--net=${nsB}`, process.execPath, '-e', client], { encoding: 'utf8' });
    assert.equal(sent.status, 0, sent.stderr);
    await ended;
    assert.equal(out.split('\n')[1], sent.stdout.trim());
  });
});

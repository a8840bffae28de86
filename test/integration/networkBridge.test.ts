import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import dgram from 'node:dgram';
import { requiresRoot, tmpDir } from '../helpers.js';
import { attachContainer, detachContainer, ensureDefaultNetwork, removeNetwork, parsePublish, parseNetworkRate, reconcile, NetworkStore, type AttachResult } from '../../src/network/index.js';
import { firewallText } from '../../src/network/firewall.js';
import { iptablesSaveBoth } from '../../src/sys/netExec.js';
import { Netns, httpd, udpEcho, LeakCheck, freeSubnet, rand, sh, tryRun, wget } from './networkHarness.js';

function udpAsk(host: string, port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), reject(new Error(`no UDP answer from ${host}:${port}`))), 5000);
    s.on('message', (m) => (clearTimeout(t), s.close(), resolve(m.toString())));
    s.send(msg, port, host);
  });
}

describe('network: default bridge, NAT and published ports', requiresRoot, () => {
  const root = tmpDir();
  const bridge = `berthT${rand()}`;
  const nss: Netns[] = [];
  const ids: string[] = [];
  const S = freeSubnet();
  const leak = new LeakCheck(root);
  let a: AttachResult;
  let b: AttachResult;
  const nsA = () => nss[0];
  const nsB = () => nss[1];

  before(async () => {
    nss.push(new Netns(), new Netns());
    leak.trackNet(await ensureDefaultNetwork(root, { bridge, subnet: S.cidr }));
    ids.push('a'.repeat(60) + rand().slice(0, 4), 'b'.repeat(60) + rand().slice(0, 4));
    a = await attachContainer({ root, containerId: ids[0], name: 'a', netnsPath: nsA().path, ports: [...parsePublish('127.0.0.1::8080'), ...parsePublish('8080'), ...parsePublish('5353/udp')] });
    b = await attachContainer({ root, containerId: ids[1], name: 'b', netnsPath: nsB().path });
    leak.trackAttach(a);
    leak.trackAttach(b);
    await httpd(nsA(), 8080, 'hello from a');
    await udpEcho(nsA(), 5353);
  });

  after(async () => {
    for (const id of ids) await detachContainer({ root, containerId: id }).catch(() => undefined);
    await removeNetwork(root, 'bridge', { allowDefault: true }).catch(() => undefined);
    for (const n of nss) {
      leak.track(n.name);
      n.cleanup();
    }
    fs.rmSync(root, { recursive: true, force: true });
    assert.deepEqual(leak.leaks(), [], 'no leaked links, rules, netns, addresses or processes');
  });

  test('addresses, default route, files for the container', () => {
    assert.equal(a.ip, S.at(2));
    assert.equal(b.ip, S.at(3));
    assert.equal(a.gateway, S.at(1));
    assert.ok(nsA().exec(['ip', '-4', 'addr', 'show', 'eth0']).out.includes(`inet ${S.at(2)}/24`));
    assert.ok(nsA().exec(['ip', 'route']).out.includes(`default via ${S.at(1)} dev eth0`));
    assert.ok(nsA().exec(['ip', 'link', 'show', 'eth0']).out.includes(a.mac));
    assert.ok(a.files.hosts.includes(`${S.at(2)}\t`));
    assert.doesNotMatch(a.files.resolvConf, /nameserver 127\./);
    assert.equal(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), '1');
  });

  test('container -> container by IP', () => {
    const r = nsB().exec(['/bin/busybox', 'ping', '-c', '1', '-W', '5', a.ip]);
    assert.equal(r.status, 0, r.out);
    assert.equal(wget(nsB(), `http://${a.ip}:8080/`).out, 'hello from a');
  });

  test('published ports: host loopback, host address, UDP', async () => {
    const lo = a.ports.find((p) => p.hostIp === '127.0.0.1')!;
    const any = a.ports.find((p) => p.hostIp === '' && p.protocol === 'tcp')!;
    const udp = a.ports.find((p) => p.protocol === 'udp')!;
    assert.ok(lo.hostPort > 0 && any.hostPort > 0 && udp.hostPort > 0);
    assert.equal(wget(undefined, `http://127.0.0.1:${lo.hostPort}/`).out, 'hello from a');
    assert.equal(wget(undefined, `http://127.0.0.1:${any.hostPort}/`).out, 'hello from a');
    // The host's own non-loopback address (traffic stays on this machine).
    const hostIp = sh('ip', ['-4', '-o', 'route', 'get', '1.1.1.1']).match(/src (\S+)/)?.[1];
    if (hostIp) assert.equal(wget(undefined, `http://${hostIp}:${any.hostPort}/`).out, 'hello from a');
    assert.equal(await udpAsk('127.0.0.1', udp.hostPort, 'ping'), 'echo:ping');
    // Bound to 127.0.0.1 only: not on the gateway address.
    assert.notEqual(wget(undefined, `http://${a.gateway}:${lo.hostPort}/`).status, 0);
  });

  test('another container -> host published port (and a container to its own port: hairpin)', () => {
    const any = a.ports.find((p) => p.hostIp === '' && p.protocol === 'tcp')!;
    assert.equal(wget(nsB(), `http://${b.gateway}:${any.hostPort}/`).out, 'hello from a');
    assert.equal(wget(nsA(), `http://${a.gateway}:${any.hostPort}/`).out, 'hello from a');
  });

  test('firewall rules are put back when removed; a second sync changes nothing', async () => {
    sh('iptables', ['-D', 'FORWARD', '-j', 'BERTH-FORWARD']);
    sh('iptables', ['-t', 'nat', '-F', 'BERTH-POSTROUTING']);
    const c = new Netns();
    nss.push(c);
    ids.push('c'.repeat(60) + rand().slice(0, 4));
    leak.trackAttach(await attachContainer({ root, containerId: ids[2], name: 'c', netnsPath: c.path }));
    const saved = sh('iptables-save', []);
    assert.match(saved, /-A FORWARD -j BERTH-FORWARD/);
    assert.match(saved, /-A BERTH-POSTROUTING -j BERTH-P-/);
    await reconcile(root);
    // What iptables-save prints is exactly what berth generates: a sync from here writes nothing.
    assert.equal(firewallText(await iptablesSaveBoth(), [new NetworkStore(root).get('bridge')]).trim(), '');
    assert.equal(sh('iptables-save', []).split('\n').filter((l) => l.includes('BERTH')).join('\n'), saved.split('\n').filter((l) => l.includes('BERTH')).join('\n'));
  });

  test('reconcile: a container whose netns vanished loses its veth, rules and address', async () => {
    const d = new Netns();
    nss.push(d);
    const id = 'd'.repeat(60) + rand().slice(0, 4);
    ids.push(id);
    const r = await attachContainer({ root, containerId: id, name: 'd', netnsPath: d.path, ports: parsePublish('80') });
    leak.trackAttach(r);
    const rule = `--dport ${r.ports[0].hostPort} -j DNAT --to-destination ${r.ip}:80`;
    assert.ok(sh('iptables-save', ['-t', 'nat']).includes(rule));
    d.cleanup();
    const rep = await reconcile(root);
    assert.deepEqual(rep.detached, [`bridge/${id}`]);
    assert.ok(!sh('iptables-save', ['-t', 'nat']).includes(rule));
    assert.ok(!fs.existsSync(`/sys/class/net/${r.hostIfname}`));
    assert.equal(new NetworkStore(root).get('bridge').endpoints[id], undefined);
  });

  test('--network-rate: tbf on both veth ends', async () => {
    const f = new Netns();
    nss.push(f);
    const id = 'f'.repeat(60) + rand().slice(0, 4);
    ids.push(id);
    const r = await attachContainer({ root, containerId: id, name: 'f', netnsPath: f.path, rate: parseNetworkRate('egress=8mbit,ingress=4mbit') });
    leak.trackAttach(r);
    assert.match(sh('tc', ['qdisc', 'show', 'dev', r.hostIfname]), /tbf .*rate 4Mbit/);
    assert.match(f.exec(['tc', 'qdisc', 'show', 'dev', 'eth0']).out, /tbf .*rate 8Mbit/);
  });

  test('detach removes the veth, port rules and the allocation', async () => {
    await detachContainer({ root, containerId: ids[0] });
    assert.ok(!fs.existsSync(`/sys/class/net/${a.hostIfname}`));
    assert.doesNotMatch(sh('iptables-save', ['-t', 'nat']), new RegExp(`--to-destination ${a.ip.replace(/\./g, '\\.')}:`));
    assert.equal(tryRun('ip', ['netns', 'exec', nsA().name, 'ip', 'link', 'show', 'eth0']).status !== 0, true);
    // The address is free again.
    const e = new Netns();
    nss.push(e);
    ids.push('e'.repeat(60) + rand().slice(0, 4));
    const r = await attachContainer({ root, containerId: ids.at(-1)!, name: 'e', netnsPath: e.path });
    leak.trackAttach(r);
    assert.equal(r.ip, a.ip);
  });
});

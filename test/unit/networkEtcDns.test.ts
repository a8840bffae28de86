import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsFile, hostnameFile, parseResolvConf, resolvConfFile } from '../../src/network/etcFiles.js';
import { buildQuery, buildResponse, parseQuery, parseResponse, RCODE_NXDOMAIN, TYPE_AAAA } from '../../src/network/dns/wire.js';
import { recordsOf } from '../../src/network/dns/records.js';
import { planAttach, planBridge } from '../../src/network/plan.js';
import { helperNetArgs, type LinkOpLike } from '../../src/sys/netExec.js';
import { parseNetworkMode, needsOwnNetns, publishAllowed } from '../../src/network/modes.js';
import type { Endpoint, NetworkState } from '../../src/network/types.js';

const ep = (id: string, name: string, ip: string, aliases: string[] = []): Endpoint => ({ containerId: id, name, aliases, ip, mac: '02:42:0a:d5:04:02', hostIfname: 'bv0', ifname: 'eth0', netnsPath: '/proc/1/ns/net', ports: [] });
const net = (over: Partial<NetworkState> = {}): NetworkState => ({
  name: 'n', id: 'a'.repeat(64), driver: 'bridge', bridge: 'berthaaaaaaaaaa', subnet: '10.213.4.0/24', gateway: '10.213.4.1',
  internal: false, isDefault: false, labels: {}, created: '', endpoints: {}, ...over,
});

test('etc files: hosts, hostname, resolv.conf', () => {
  const h = hostsFile([{ ip: '10.213.4.2', names: ['web', 'web'] }]);
  assert.match(h, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(h, /^10\.213\.4\.2\tweb$/m);
  assert.equal(hostnameFile('web'), 'web\n');
  const host = parseResolvConf('# c\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver fe80::1\nsearch example.com corp\noptions ndots:2 edns0\n');
  assert.deepEqual(host.nameservers, ['127.0.0.53', '10.0.0.2', 'fe80::1']);
  assert.equal(resolvConfFile(host), 'nameserver 10.0.0.2\nsearch example.com corp\noptions ndots:2 edns0\n');
  assert.match(resolvConfFile(host, '10.213.4.1'), /^nameserver 10\.213\.4\.1\n/);
  assert.equal(resolvConfFile(parseResolvConf('nameserver 127.0.0.53\n')), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('dns wire: query round trip, A answer, NXDOMAIN', () => {
  const q = buildQuery(0x1234, 'Web.');
  const pq = parseQuery(q)!;
  assert.equal(pq.question.name, 'web');
  assert.equal(pq.id, 0x1234);
  const r = parseResponse(buildResponse(q, pq, ['10.213.4.2', '10.213.4.3']));
  assert.deepEqual(r, { id: 0x1234, rcode: 0, addrs: ['10.213.4.2', '10.213.4.3'] });
  assert.equal(parseResponse(buildResponse(q, pq, [], RCODE_NXDOMAIN)).rcode, RCODE_NXDOMAIN);
  assert.equal(parseQuery(Buffer.alloc(5)), undefined);
  assert.equal(parseQuery(buildQuery(1, 'x', TYPE_AAAA))!.question.type, TYPE_AAAA);
});

test('dns records: name, aliases, short id, case-insensitive', () => {
  const r = recordsOf({ endpoints: { c1: ep('c1'.repeat(32), 'Web', '10.213.4.2', ['www', 'front']), c2: ep('c2'.repeat(32), 'db', '10.213.4.3') } });
  assert.deepEqual(r.get('web'), ['10.213.4.2']);
  assert.deepEqual(r.get('www'), ['10.213.4.2']);
  assert.deepEqual(r.get('c1c1c1c1c1c1'), ['10.213.4.2']);
  assert.deepEqual(r.get('db'), ['10.213.4.3']);
});

test('plan: bridge and attach ops; internal gets no default route', () => {
  const b = planBridge(net());
  assert.equal(b[0].kind === 'ip' && b[0].cmd, 'link add name berthaaaaaaaaaa address 02:42:0a:d5:04:01 type bridge', 'fixed bridge MAC');
  assert.deepEqual(b.filter((o) => o.kind === 'sysctl').map((o) => o.kind === 'sysctl' && o.key), ['net.ipv4.conf.berthaaaaaaaaaa.route_localnet', 'net.ipv4.ip_forward']);
  assert.ok(!planBridge(net({ internal: true })).some((o) => o.kind === 'sysctl' && o.key === 'net.ipv4.ip_forward'));
  const a = planAttach(net(), ep('c', 'c', '10.213.4.2'), true);
  assert.deepEqual(a[0], { kind: 'veth', host: 'bv0', peer: 'eth0', mac: '02:42:0a:d5:04:02', bridge: 'berthaaaaaaaaaa', peerNetns: '/proc/1/ns/net' });
  assert.ok(a.slice(1).every((o) => ('netns' in o && o.netns === '/proc/1/ns/net') || o.kind === 'sysfs'));
  assert.deepEqual(a.at(-1), { kind: 'sysfs', path: 'bv0/brport/hairpin_mode', value: '1' }, 'hairpin last: the link ops stay one helper run');
  assert.ok(a.some((o) => o.kind === 'addr' && o.dev === 'eth0' && o.cidr === '10.213.4.2/24'));
  assert.ok(a.some((o) => o.kind === 'up' && o.dev === 'lo'));
  assert.ok(a.some((o) => o.kind === 'route-default' && o.gateway === '10.213.4.1' && o.dev === 'eth0'));
  assert.ok(!planAttach(net({ internal: true }), ep('c', 'c', '10.213.4.2'), true).some((o) => o.kind === 'route-default'));
  assert.ok(!planAttach(net(), ep('c', 'c', '10.213.4.2'), false).some((o) => o.kind === 'route-default'));
});

test('helper net args: one run for the host-side veth and the ops inside, `ns` only where the namespace changes', () => {
  const a = planAttach(net(), ep('c', 'c', '10.213.4.2'), true).filter((o) => o.kind !== 'sysfs' && o.kind !== 'ip' && o.kind !== 'sysctl');
  assert.deepEqual(helperNetArgs(a as LinkOpLike[]), [
    'veth', 'bv0', 'eth0', '02:42:0a:d5:04:02', 'berthaaaaaaaaaa', '/proc/1/ns/net',
    'ns', '/proc/1/ns/net', 'up', 'lo', 'addr', 'eth0', '10.213.4.2/24', 'up', 'eth0', 'route-default', '10.213.4.1', 'eth0',
  ]);
  assert.deepEqual(helperNetArgs([{ kind: 'addr', netns: '/x', dev: 'eth0', cidr: '10.0.0.2/8' }, { kind: 'del', dev: 'bv1' }]), ['ns', '/x', 'addr', 'eth0', '10.0.0.2/8', 'ns', '-', 'del', 'bv1']);
});

test('network modes', () => {
  assert.deepEqual(parseNetworkMode(undefined), { kind: 'network', name: 'bridge' });
  assert.deepEqual(parseNetworkMode('none'), { kind: 'none' });
  assert.deepEqual(parseNetworkMode('host'), { kind: 'host' });
  assert.deepEqual(parseNetworkMode('container:web'), { kind: 'container', ref: 'web' });
  assert.deepEqual(parseNetworkMode('front'), { kind: 'network', name: 'front' });
  assert.throws(() => parseNetworkMode('container:'), /container name or id is missing/);
  assert.ok(needsOwnNetns({ kind: 'none' }) && !needsOwnNetns({ kind: 'host' }) && !needsOwnNetns({ kind: 'container', ref: 'x' }));
  assert.ok(publishAllowed({ kind: 'network', name: 'bridge' }) && !publishAllowed({ kind: 'host' }));
});

test('etc files of a container on several networks: an address line per network, the first user network\'s DNS', async () => {
  const { containerEtcFiles } = await import('../../src/network/containerEtc.js');
  const bridge = net({ name: 'bridge', isDefault: true, gateway: '172.30.0.1' });
  const user = net({ name: 'u', gateway: '10.213.4.1' });
  const host = 'nameserver 10.0.0.2\nsearch corp\n';
  const onBridge = containerEtcFiles([{ net: bridge, ep: ep('c', 'c', '172.30.0.2') }], 'hn', host);
  assert.equal(onBridge.resolvConf, 'nameserver 10.0.0.2\nsearch corp\n');
  const both = containerEtcFiles([{ net: bridge, ep: ep('c', 'c', '172.30.0.2') }, { net: user, ep: ep('c', 'c', '10.213.4.2') }], 'hn', host);
  assert.equal(both.resolvConf, 'nameserver 10.213.4.1\nsearch corp\n');
  assert.match(both.hosts, /\n172\.30\.0\.2\thn\n10\.213\.4\.2\thn\n$/);
  assert.doesNotMatch(containerEtcFiles([], 'hn', host).hosts, /\thn$/m);
});

test('writeFileInPlace: same inode, never through a symlink or into a FIFO', async () => {
  const { writeFileInPlace } = await import('../../src/sys/writeInPlace.js');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-inplace-'));
  try {
    const f = path.join(dir, 'hosts');
    fs.writeFileSync(f, 'a much longer first content\n');
    const ino = fs.statSync(f).ino;
    writeFileInPlace(f, 'short\n');
    assert.deepEqual([fs.readFileSync(f, 'utf8'), fs.statSync(f).ino], ['short\n', ino]);
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, 'keep\n');
    fs.symlinkSync(target, path.join(dir, 'link'));
    assert.throws(() => writeFileInPlace(path.join(dir, 'link'), 'x'), (e: NodeJS.ErrnoException) => e.code === 'ELOOP');
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep\n');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    assert.throws(() => writeFileInPlace(path.join(dir, 'fifo'), 'x'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

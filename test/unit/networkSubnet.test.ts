import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ip from '../../src/network/subnet.js';
import { allocateIp, macFor } from '../../src/network/ipam.js';
import type { NetworkState } from '../../src/network/types.js';
import { isBerthError } from '../../src/errors.js';

test('subnet parsing and arithmetic', () => {
  const s = ip.parseSubnet('10.213.4.0/24');
  assert.equal(ip.formatSubnet(s), '10.213.4.0/24');
  assert.equal(ip.formatIp(ip.firstHost(s)), '10.213.4.1');
  assert.equal(ip.formatIp(ip.broadcast(s)), '10.213.4.255');
  assert.ok(ip.overlaps(s, ip.parseSubnet('10.213.0.0/16')));
  assert.ok(!ip.overlaps(s, ip.parseSubnet('10.213.5.0/24')));
  assert.ok(ip.isHost(s, ip.parseIp('10.213.4.7')));
  assert.ok(!ip.isHost(s, ip.parseIp('10.213.4.255')));
  assert.throws(() => ip.parseSubnet('10.213.4.1/24'), /host bits set/);
  assert.throws(() => ip.parseSubnet('10.213.4.0'), /CIDR/);
  assert.throws(() => ip.parseSubnet('300.1.1.0/24'), (e: unknown) => isBerthError(e, 'InvalidArgument'));
  assert.throws(() => ip.parseSubnet('10.0.0.0/31'), /prefix length/);
});

function net(endpoints: string[]): NetworkState {
  return {
    name: 'n', id: 'x'.repeat(64), driver: 'bridge', bridge: 'berthx', subnet: '10.213.4.0/29', gateway: '10.213.4.1',
    internal: false, isDefault: false, labels: {}, created: '',
    endpoints: Object.fromEntries(endpoints.map((a, i) => [`c${i}`, { containerId: `c${i}`, name: `c${i}`, aliases: [], ip: a, mac: '', hostIfname: '', ifname: 'eth0', netnsPath: '', ports: [] }])),
  };
}

test('IPAM: lowest free address, skipping gateway and used ones; exhaustion is Unavailable', () => {
  assert.equal(allocateIp(net([])), '10.213.4.2');
  assert.equal(allocateIp(net(['10.213.4.2', '10.213.4.4'])), '10.213.4.3');
  assert.throws(() => allocateIp(net(['10.213.4.2', '10.213.4.3', '10.213.4.4', '10.213.4.5', '10.213.4.6'])), (e: unknown) => isBerthError(e, 'Unavailable'));
});

test('IPAM: a requested address must be free and in the subnet', () => {
  assert.equal(allocateIp(net([]), '10.213.4.5'), '10.213.4.5');
  assert.throws(() => allocateIp(net(['10.213.4.5']), '10.213.4.5'), (e: unknown) => isBerthError(e, 'Conflict'));
  assert.throws(() => allocateIp(net([]), '10.213.4.1'), /already in use/);
  assert.throws(() => allocateIp(net([]), '10.9.9.9'), /not in subnet/);
  assert.equal(macFor('10.213.4.5'), '02:42:0a:d5:04:05');
});

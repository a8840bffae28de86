import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePublish, publishAll, assignHostPorts, formatPort } from '../../src/network/ports.js';
import { isBerthError } from '../../src/errors.js';

const env = { taken: [], listening: { tcp: new Set<number>(), udp: new Set<number>() }, ephemeral: [49153, 49160] as [number, number], random: () => 0 };

test('parsePublish: Docker forms', () => {
  assert.deepEqual(parsePublish('80'), [{ hostIp: '', hostStart: 0, hostEnd: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublish('8080:80'), [{ hostIp: '', hostStart: 8080, hostEnd: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), [{ hostIp: '127.0.0.1', hostStart: 8080, hostEnd: 8080, containerPort: 80, protocol: 'udp' }]);
  assert.deepEqual(parsePublish('127.0.0.1::80'), [{ hostIp: '127.0.0.1', hostStart: 0, hostEnd: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublish('0.0.0.0:53:53/UDP')[0].hostIp, '');
  const r = parsePublish('8000-8002:80-82');
  assert.deepEqual(r.map((s) => [s.hostStart, s.containerPort]), [[8000, 80], [8001, 81], [8002, 82]]);
  assert.deepEqual(parsePublish('8000-8010:80'), [{ hostIp: '', hostStart: 8000, hostEnd: 8010, containerPort: 80, protocol: 'tcp' }]);
  assert.equal(parsePublish('80-82').length, 3);
});

test('parsePublish: errors are InvalidArgument with Docker-like messages', () => {
  const bad: [string, RegExp][] = [
    ['abc', /invalid containerPort: abc/],
    ['x:80', /invalid hostPort: x/],
    ['70000', /invalid containerPort/],
    ['0:80', /invalid hostPort: 0/],
    ['80/sctpx', /invalid proto: sctpx/],
    ['8000-8001:80-82', /invalid ranges specified for container and host Ports: 80-82 and 8000-8001/],
    ['1.2.3:80:80', /invalid IP address: 1.2.3/],
    ['[::1]:80:80', /invalid IP address/],
    ['1:2:3:4', /invalid port specification/],
    ['/tcp', /no port specified/],
    ['90-80', /invalid containerPort: 90-80/],
  ];
  for (const [v, re] of bad) {
    assert.throws(() => parsePublish(v), (e: unknown) => isBerthError(e, 'InvalidArgument') && re.test((e as Error).message), v);
  }
});

test('publishAll: exposed ports get random host ports', () => {
  const specs = publishAll(['80/tcp', '53/udp', '8080']);
  assert.deepEqual(specs.map((s) => [s.containerPort, s.protocol, s.hostStart]), [[80, 'tcp', 0], [53, 'udp', 0], [8080, 'tcp', 0]]);
  assert.throws(() => publishAll(['1:2']), /invalid exposed port/);
});

test('assignHostPorts: random ports avoid taken and listening ones', () => {
  const e = { ...env, taken: [{ hostIp: '', hostPort: 49153, containerPort: 1, protocol: 'tcp' as const }], listening: { tcp: new Set([49154]), udp: new Set<number>() } };
  const m = assignHostPorts([...parsePublish('80'), ...parsePublish('81'), ...parsePublish('53/udp')], e);
  assert.deepEqual(m.map((x) => x.hostPort), [49155, 49156, 49153]);
});

test('assignHostPorts: fixed port already published is a Conflict', () => {
  const e = { ...env, taken: [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' as const }] };
  assert.throws(() => assignHostPorts(parsePublish('8080:80'), e), (x: unknown) => isBerthError(x, 'Conflict') && /Bind for 0.0.0.0:8080 failed: port is already allocated/.test((x as Error).message));
  assert.throws(() => assignHostPorts(parsePublish('127.0.0.1:8080:80'), e), /port is already allocated/);
  // Same number, other protocol: fine.
  assert.equal(assignHostPorts(parsePublish('8080:80/udp'), e)[0].hostPort, 8080);
  // Two specific addresses can share a port.
  const e2 = { ...env, taken: [{ hostIp: '127.0.0.1', hostPort: 9000, containerPort: 80, protocol: 'tcp' as const }] };
  assert.equal(assignHostPorts(parsePublish('127.0.0.2:9000:80'), e2)[0].hostPort, 9000);
  assert.throws(() => assignHostPorts(parsePublish('9000:80'), e2), /already allocated/);
});

test('assignHostPorts: random ports start at a random place and wrap around', () => {
  const m = assignHostPorts(parsePublish('80'), { ...env, random: () => 0.99 });
  assert.equal(m[0].hostPort, 49160);
  const full = { ...env, random: () => 0.99, taken: [{ hostIp: '', hostPort: 49160, containerPort: 1, protocol: 'tcp' as const }] };
  assert.equal(assignHostPorts(parsePublish('80'), full)[0].hostPort, 49153);
});

test('assignHostPorts: a host range takes its first free port; duplicates in one request clash', () => {
  const e = { ...env, taken: [{ hostIp: '', hostPort: 8000, containerPort: 80, protocol: 'tcp' as const }] };
  assert.equal(assignHostPorts(parsePublish('8000-8010:80'), e)[0].hostPort, 8001);
  assert.throws(() => assignHostPorts([...parsePublish('7000:80'), ...parsePublish('7000:81')], env), /already allocated/);
  assert.equal(formatPort({ hostIp: '', hostPort: 32768, containerPort: 80, protocol: 'tcp' }), '80/tcp -> 0.0.0.0:32768');
});

test('parseNetworkRate: one rate for both directions, or egress=/ingress=', async () => {
  const { parseNetworkRate } = await import('../../src/network/rateFlag.js');
  assert.deepEqual(parseNetworkRate('10mbit'), { egress: '10mbit', ingress: '10mbit' });
  assert.deepEqual(parseNetworkRate('egress=1mbit'), { egress: '1mbit' });
  assert.deepEqual(parseNetworkRate('ingress=2mbps,egress=500kbit'), { ingress: '2mbps', egress: '500kbit' });
  for (const bad of ['', 'fast', 'up=1mbit', 'egress=', 'egress=1mbit,egress=2mbit']) {
    assert.throws(() => parseNetworkRate(bad), (e: unknown) => isBerthError(e, 'InvalidArgument'), bad);
  }
});

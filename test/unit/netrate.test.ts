import test from 'node:test';
import assert from 'node:assert/strict';
import { parseRate, egressLimitCommands, clearLimitCommands, containerRatePlan, burstBytes } from '../../src/network/rate/index.js';
import { isBerthError } from '../../src/errors.js';

test('netrate: rates in tc units', () => {
  assert.equal(parseRate('1mbit'), 1_000_000);
  assert.equal(parseRate('500kbit'), 500_000);
  assert.equal(parseRate('2mbps'), 16_000_000);
  assert.equal(parseRate('1.5m'), 1_500_000);
  assert.equal(parseRate(64000), 64000);
  for (const bad of ['fast', '-1mbit', '1 parsec', '', '0bit']) {
    assert.throws(() => parseRate(bad, 'egress'), (e) => isBerthError(e, 'InvalidArgument') && (e as Error).message.startsWith('egress:'), bad);
  }
  assert.throws(() => parseRate(1.5), (e) => isBerthError(e, 'InvalidArgument'));
});

test('netrate: egress is a tbf root qdisc, in a netns when asked', () => {
  assert.deepEqual(egressLimitCommands('veth1', '1mbit'), [
    ['tc', 'qdisc', 'replace', 'dev', 'veth1', 'root', 'tbf', 'rate', '1000000bit', 'burst', '16384', 'latency', '50ms'],
  ]);
  assert.deepEqual(egressLimitCommands('eth0', '1gbit', 'ctr1')[0].slice(0, 3), ['tc', '-n', 'ctr1']);
  assert.equal(burstBytes(1e9), 12_500_000);
  assert.deepEqual(clearLimitCommands('veth1'), [['tc', 'qdisc', 'del', 'dev', 'veth1', 'root']]);
  assert.throws(() => egressLimitCommands('bad name; rm', '1mbit'), (e) => isBerthError(e, 'InvalidArgument'));
});

test('netrate: a container egress limit shapes its own end, ingress the host end', () => {
  const plan = containerRatePlan({ hostVeth: 'vethab12', containerVeth: 'eth0', containerNetns: 'berth-ab12', egress: '1mbit', ingress: '2mbit' });
  assert.deepEqual(plan.map((c) => c.join(' ')), [
    'tc -n berth-ab12 qdisc replace dev eth0 root tbf rate 1000000bit burst 16384 latency 50ms',
    'tc qdisc replace dev vethab12 root tbf rate 2000000bit burst 25000 latency 50ms',
  ]);
  assert.deepEqual(containerRatePlan({ hostVeth: 'v', containerVeth: 'eth0', containerNetns: 'n' }), []);
  const byPath = containerRatePlan({ hostVeth: 'v', containerVeth: 'eth0', containerNetns: '/proc/42/ns/net', egress: 8000 });
  assert.deepEqual(byPath[0].slice(0, 5), ['nsenter', '--net=/proc/42/ns/net', '--', 'tc', 'qdisc']);
  assert.throws(() => containerRatePlan({ hostVeth: 'v', containerVeth: 'eth0', containerNetns: 'x y', egress: 8000 }), (e) => isBerthError(e, 'InvalidArgument'));
});

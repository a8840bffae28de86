import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firewallText, chainNames, filterRules, postRules, dnatRules, rawRules, savedRules } from '../../src/network/firewall.js';
import type { NetworkState } from '../../src/network/types.js';

function net(over: Partial<NetworkState> = {}): NetworkState {
  return {
    name: 'n', id: 'abcdef0123456789'.repeat(4), driver: 'bridge', bridge: 'berthabcdef0123', subnet: '10.213.4.0/24', gateway: '10.213.4.1',
    internal: false, isDefault: false, labels: {}, created: '', endpoints: {}, ...over,
  };
}
const withPort = () => net({ endpoints: { c: { containerId: 'c', name: 'c', aliases: [], ip: '10.213.4.2', mac: '', hostIfname: 'bv1', ifname: 'eth0', netnsPath: '', ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostIp: '', hostPort: 5353, containerPort: 53, protocol: 'udp' }] } } });

/** Apply restore text to a fake iptables-save dump (enough of the semantics for these tests). */
type Dump = { filter: string; nat: string; raw?: string };
const TABLES = ['filter', 'nat', 'raw'] as const;
function apply(saved: Dump, text: string): Required<Dump> {
  const out = { raw: '', ...saved };
  let table: (typeof TABLES)[number] = 'filter';
  type T = { chains: Set<string>; rules: Map<string, string[]> };
  const state: Record<string, T> = {};
  for (const t of TABLES) {
    state[t] = { chains: new Set([...out[t].split('\n')].filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0])), rules: savedRules(out[t]) };
  }
  for (const l of text.split('\n')) {
    if (l.startsWith('*')) table = l.slice(1) as (typeof TABLES)[number];
    const s: T = state[table];
    const [op, chain, ...rest] = l.split(' ');
    let rule = rest.join(' ');
    if (op.startsWith(':')) { s.chains.add(op.slice(1)); s.rules.set(op.slice(1), []); }
    else if (op === '-A') s.rules.set(chain, [...(s.rules.get(chain) ?? []), rule]);
    else if (op === '-I') { rule = rest.slice(1).join(' '); s.rules.set(chain, [rule, ...(s.rules.get(chain) ?? [])]); }
    else if (op === '-D') { const r = s.rules.get(chain) ?? []; assert.ok(r.includes(rule), `delete of missing rule ${l}`); r.splice(r.indexOf(rule), 1); }
    else if (op === '-F') s.rules.set(chain, []);
    else if (op === '-X') { assert.equal((s.rules.get(chain) ?? []).length, 0, `delete of non-empty ${chain}`); s.chains.delete(chain); s.rules.delete(chain); }
  }
  for (const t of TABLES) {
    const s = state[t];
    out[t] = [`*${t}`, ...['FORWARD', 'PREROUTING', 'OUTPUT', 'POSTROUTING'].map((c) => `:${c} ACCEPT [0:0]`), ...[...s.chains].filter((c) => c.startsWith('BERTH')).map((c) => `:${c} - [0:0]`),
      ...[...s.rules].flatMap(([c, rs]) => rs.map((r) => `-A ${c} ${r}`))].join('\n') + '\n';
  }
  return out;
}
const empty = { filter: '*filter\n:FORWARD ACCEPT [0:0]\n', nat: '*nat\n:PREROUTING ACCEPT [0:0]\n' };

test('rules for a network: isolation, internal, masquerade, ports', () => {
  assert.deepEqual(filterRules(net()), ['-i berthabcdef0123 -o berthabcdef0123 -j ACCEPT', '-i berthabcdef0123 -o berth+ -j DROP', '-o berthabcdef0123 -j DROP', '-i berthabcdef0123 -j ACCEPT']);
  assert.equal(filterRules(net({ internal: true })).at(-1), '-i berthabcdef0123 -j DROP');
  assert.ok(postRules(net()).includes('-s 10.213.4.0/24 ! -o berthabcdef0123 -j MASQUERADE'));
  assert.ok(!postRules(net({ internal: true })).some((r) => r.includes('! -o')), 'internal: no outbound NAT');
  assert.deepEqual(dnatRules(withPort()), [
    '-d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.213.4.2:80',
    '-p udp -m udp --dport 5353 -j DNAT --to-destination 10.213.4.2:53',
  ]);
});

test('firewallText: first sync creates chains and hooks; a second sync is a no-op', () => {
  const t1 = firewallText(empty, [withPort()]);
  assert.match(t1, /-I FORWARD 1 -j BERTH-FORWARD/);
  assert.match(t1, /-I PREROUTING 1 -m addrtype --dst-type LOCAL -j BERTH-DNAT/);
  assert.match(t1, /-I OUTPUT 1 -m addrtype --dst-type LOCAL -j BERTH-DNAT/);
  assert.match(t1, /-I POSTROUTING 1 -j BERTH-POSTROUTING/);
  const c = chainNames(withPort());
  assert.ok(t1.indexOf(`:${c.filter}`) < t1.indexOf(`-j ${c.filter}`), 'declared before the jump');
  const s1 = apply(empty, t1);
  assert.equal(firewallText(s1, [withPort()]).trim(), '', 'idempotent');
});

test('firewallText: restores a deleted rule and a removed hook', () => {
  const s1 = apply(empty, firewallText(empty, [withPort()]));
  const c = chainNames(withPort());
  const broken = { filter: s1.filter.replace('-A FORWARD -j BERTH-FORWARD\n', '').replace(`-A ${c.filter} -o berthabcdef0123 -j DROP\n`, ''), nat: s1.nat };
  const fix = firewallText(broken, [withPort()]);
  assert.match(fix, /-I FORWARD 1 -j BERTH-FORWARD/);
  assert.match(fix, /-o berthabcdef0123 -j DROP/);
  const s2 = apply(broken, fix);
  assert.equal(firewallText(s2, [withPort()]).trim(), '');
});

test('firewallText: ports added and removed incrementally, without rewriting the chain', () => {
  const s1 = apply(empty, firewallText(empty, [net()]));
  const add = firewallText(s1, [withPort()]);
  assert.doesNotMatch(add, /^:BERTH-D/m, 'no chain rewrite');
  assert.match(add, /-A BERTH-D-\S+ -d 127.0.0.1\/32 -p tcp/);
  const s2 = apply(s1, add);
  const del = firewallText(s2, [net()]);
  assert.match(del, /-D BERTH-D-\S+ -d 127.0.0.1\/32/);
  assert.equal(firewallText(apply(s2, del), [net()]).trim(), '');
});

test('firewallText: two networks, then both removed: nothing of berth is left', () => {
  const b = net({ id: '0123456789ab'.repeat(6).slice(0, 64), bridge: 'berth0123456789', subnet: '10.213.5.0/24' });
  let s = apply(empty, firewallText(empty, [net(), b]));
  assert.match(s.filter, /-A BERTH-FORWARD -j BERTH-F-abcdef012345/);
  assert.match(s.filter, /-A BERTH-FORWARD -j BERTH-F-0123456789ab/);
  s = apply(s, firewallText(s, [], [net()]));
  assert.doesNotMatch(s.filter, /BERTH-F-abcdef/);
  assert.match(s.filter, /BERTH-F-0123456789ab/);
  s = apply(s, firewallText(s, [], [b]));
  assert.doesNotMatch(s.filter + s.nat + s.raw, /BERTH/);
});

test('loopback guard: raw PREROUTING drops 127.0.0.0/8 to and from the bridge; restored; removed with the network', () => {
  assert.deepEqual(rawRules(net()), ['-d 127.0.0.0/8 -i berthabcdef0123 -j DROP', '-s 127.0.0.0/8 -i berthabcdef0123 -j DROP']);
  const t1 = firewallText(empty, [net()]);
  assert.match(t1, /^\*raw$/m);
  assert.match(t1, /-I PREROUTING 1 -j BERTH-RAW/);
  const s1 = apply(empty, t1);
  assert.match(s1.raw, /-A BERTH-RAW -j BERTH-R-abcdef012345/);
  assert.match(s1.raw, /-A BERTH-R-abcdef012345 -d 127.0.0.0\/8 -i berthabcdef0123 -j DROP/);
  assert.equal(firewallText(s1, [net()]).trim(), '', 'idempotent');
  // Flushed by hand, hook deleted: put back.
  const broken = { ...s1, raw: s1.raw.replace(/^-A (PREROUTING|BERTH-R-abcdef012345) .*\n/gm, '') };
  const s2 = apply(broken, firewallText(broken, [net()]));
  const sorted = (d: string) => d.split('\n').sort();
  assert.deepEqual(sorted(s2.raw), sorted(s1.raw));
  // The network goes: nothing of berth is left in raw.
  const s3 = apply(s2, firewallText(s2, [], [net()]));
  assert.doesNotMatch(s3.raw, /BERTH/);
});

test('loopback guard: a raw chain whose network lost its filter chain is dropped; other roots keep theirs', () => {
  const other = net({ id: 'ffff'.repeat(16), bridge: 'berthffffffffff' });
  const s = apply(empty, firewallText(empty, [other, net()]));
  // Another (older) berth removed `other`'s filter and nat chains but knew nothing of raw.
  const filter = s.filter.replace(/^.*BERTH-F-ffffffffffff.*\n/gm, '');
  const nat = s.nat.replace(/^.*BERTH-[DP]-ffffffffffff.*\n/gm, '');
  const s2 = apply({ filter, nat, raw: s.raw }, firewallText({ filter, nat, raw: s.raw }, [net()]));
  assert.doesNotMatch(s2.raw, /ffffffffffff/);
  assert.match(s2.raw, /-A BERTH-RAW -j BERTH-R-abcdef012345/);
  // A sync of one root keeps the raw chain of another's live network.
  const s3 = apply(s, firewallText(s, [net()]));
  assert.match(s3.raw, /-A BERTH-RAW -j BERTH-R-ffffffffffff/);
});

test('firewallText: chains of another berth root are kept', () => {
  const other = net({ id: 'ffff'.repeat(16), bridge: 'berthffffffffff' });
  const s = apply(empty, firewallText(empty, [other]));
  const s2 = apply(s, firewallText(s, [net()]));
  assert.match(s2.filter, /-j BERTH-F-ffffffffffff/);
  assert.match(s2.filter, /-j BERTH-F-abcdef012345/);
  const s3 = apply(s2, firewallText(s2, [], [net()]));
  assert.match(s3.filter, /-j BERTH-F-ffffffffffff/);
  assert.match(s3.filter, /-A FORWARD -j BERTH-FORWARD/);
});

import type { NetworkState, PortMapping, Endpoint } from './types.js';

/**
 * berth's iptables rules as data: per network four chains (filter BERTH-F-<id>,
 * nat BERTH-D-<id> for published ports, nat BERTH-P-<id> for masquerade, raw BERTH-R-<id>
 * for the loopback guard), reached from top-level chains BERTH-FORWARD / BERTH-DNAT /
 * BERTH-POSTROUTING / BERTH-RAW that are hooked into FORWARD / PREROUTING+OUTPUT /
 * POSTROUTING / raw PREROUTING. Every function returns
 * `iptables-restore --noflush` text computed from berth's state and the current
 * `iptables-save` output, so applying it is idempotent and puts back anything missing.
 * Several berth roots (tests, the real one) can share the machine: top-level chains
 * keep jumps to every per-network chain that exists, whichever root made it.
 */

/** Every berth bridge name starts with this, so `-o berth+` matches them all. */
export const BRIDGE_PREFIX = 'berth';

export const chainNames = (net: Pick<NetworkState, 'id'>) => ({
  filter: `BERTH-F-${net.id.slice(0, 12)}`,
  dnat: `BERTH-D-${net.id.slice(0, 12)}`,
  post: `BERTH-P-${net.id.slice(0, 12)}`,
  raw: `BERTH-R-${net.id.slice(0, 12)}`,
});

const HOOKS = {
  filter: [['FORWARD', '-j BERTH-FORWARD']],
  nat: [
    ['PREROUTING', '-m addrtype --dst-type LOCAL -j BERTH-DNAT'],
    ['OUTPUT', '-m addrtype --dst-type LOCAL -j BERTH-DNAT'],
    ['POSTROUTING', '-j BERTH-POSTROUTING'],
  ],
  raw: [['PREROUTING', '-j BERTH-RAW']],
} as const;

/** Rules at the top of BERTH-FORWARD, before the per-network chains. */
const FORWARD_STATIC = [
  `-o ${BRIDGE_PREFIX}+ -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  // Published ports (DNAT), also from containers of other networks.
  `-o ${BRIDGE_PREFIX}+ -m conntrack --ctstate DNAT -j ACCEPT`,
];

export function filterRules(net: NetworkState): string[] {
  const br = net.bridge;
  const out = [`-i ${br} -o ${br} -j ACCEPT`, `-i ${br} -o ${BRIDGE_PREFIX}+ -j DROP`, `-o ${br} -j DROP`];
  out.push(net.internal ? `-i ${br} -j DROP` : `-i ${br} -j ACCEPT`);
  return out;
}

export function dnatRule(ep: Pick<Endpoint, 'ip'>, m: PortMapping): string {
  const dst = m.hostIp ? `-d ${m.hostIp}/32 ` : '';
  return `${dst}-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort} -j DNAT --to-destination ${ep.ip}:${m.containerPort}`;
}

export function dnatRules(net: NetworkState): string[] {
  return Object.values(net.endpoints).flatMap((ep) => ep.ports.map((m) => dnatRule(ep, m)));
}

/**
 * The loopback guard (CVE-2020-8558 class), in the raw table's PREROUTING, before conntrack
 * and routing: `route_localnet=1` on the bridge (plan.ts, for published ports on 127.0.0.1)
 * would otherwise route a container's packet to 127.0.0.0/8 (sent to the gateway's MAC) to the
 * host's loopback services, and accept 127.0.0.0/8-sourced (spoofed) packets from it. Nothing
 * legitimate arrives on a bridge with either address: the host's own 127.0.0.1 -> published
 * port traffic leaves through the bridge masqueraded to the gateway (postRules), and its
 * replies arrive addressed to the gateway (raw sees them before conntrack undoes the NAT).
 */
export function rawRules(net: Pick<NetworkState, 'bridge'>): string[] {
  // In iptables-save's order (-s/-d before -i), or every sync would see them as missing.
  const br = net.bridge;
  return [`-d 127.0.0.0/8 -i ${br} -j DROP`, `-s 127.0.0.0/8 -i ${br} -j DROP`];
}

export function postRules(net: NetworkState): string[] {
  const br = net.bridge;
  const out = [
    // Host loopback -> published port: the container must answer the gateway, not 127.0.0.1.
    `-s 127.0.0.0/8 -o ${br} -j MASQUERADE`,
    // Hairpin: a container reaching a published port of its own network.
    `-s ${net.subnet} -o ${br} -m conntrack --ctstate DNAT -j MASQUERADE`,
  ];
  if (!net.internal) out.push(`-s ${net.subnet} ! -o ${br} -j MASQUERADE`);
  return out;
}

/** Names of chains declared in an iptables-save dump. */
export function savedChains(saved: string): Set<string> {
  const s = new Set<string>();
  for (const l of saved.split('\n')) if (l.startsWith(':')) s.add(l.slice(1).split(' ')[0]);
  return s;
}

function hasRule(saved: string, chain: string, rule: string): boolean {
  return saved.split('\n').includes(`-A ${chain} ${rule}`);
}

/** Rules of each chain in an iptables-save dump, in order, without the `-A CHAIN ` prefix. */
export function savedRules(saved: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of saved.split('\n')) {
    if (!l.startsWith('-A ')) continue;
    const sp = l.indexOf(' ', 3);
    const chain = l.slice(3, sp);
    m.set(chain, [...(m.get(chain) ?? []), l.slice(sp + 1)]);
  }
  return m;
}

/**
 * A table section. Chains are written as a diff against what is there: nft makes every
 * rule deletion cost a few ms, so unchanged chains are left alone, a chain that only
 * gains rules at its end or loses some gets -A/-D, and anything else is rewritten.
 * Chain declarations precede the rules that jump to them.
 */
class Section {
  decls: string[] = [];
  rules: string[] = [];
  private have: Set<string>;
  private current: Map<string, string[]>;
  constructor(readonly table: string, saved: string) {
    this.have = savedChains(saved);
    this.current = savedRules(saved);
  }
  chain(name: string, want: string[]): void {
    const cur = this.current.get(name) ?? [];
    if (!this.have.has(name)) this.decls.push(`:${name} - [0:0]`);
    const wanted = new Set(want);
    const extra = cur.filter((r) => !wanted.has(r));
    const kept = cur.filter((r) => wanted.has(r));
    if (kept.every((r, i) => want[i] === r) && new Set(kept).size === kept.length) {
      this.rules.push(...extra.map((r) => `-D ${name} ${r}`));
      this.rules.push(...want.slice(kept.length).map((r) => `-A ${name} ${r}`));
      return;
    }
    if (this.have.has(name)) this.decls.push(`:${name} - [0:0]`);
    this.rules.push(...want.map((r) => `-A ${name} ${r}`));
  }
  text(): string[] {
    if (!this.decls.length && !this.rules.length) return [];
    return [`*${this.table}`, ...this.decls, ...this.rules, 'COMMIT'];
  }
}

interface Saved {
  filter: string;
  nat: string;
  /** The raw table's dump; '' or absent when the table does not exist yet. */
  raw?: string;
}

/**
 * Text that makes the firewall match `nets` (added or changed) and removes the chains
 * of `gone` networks. Top-level chains are rewritten to jump to every per-network
 * chain that remains; when none remains, berth's hooks and chains are removed entirely.
 */
export function firewallText(saved: Saved, nets: NetworkState[], gone: Pick<NetworkState, 'id'>[] = []): string {
  const goneNames = new Set(gone.flatMap((g) => Object.values(chainNames(g))));
  const keep = (prefix: string, table: string) =>
    new Set([...savedChains(table)].filter((c) => c.startsWith(prefix) && !goneNames.has(c)));
  const f = keep('BERTH-F-', saved.filter);
  const d = keep('BERTH-D-', saved.nat);
  const p = keep('BERTH-P-', saved.nat);
  for (const n of nets) {
    const c = chainNames(n);
    f.add(c.filter);
    d.add(c.dnat);
    p.add(c.post);
  }
  const empty = f.size === 0 && d.size === 0 && p.size === 0;
  // A network's raw chain lives as long as its filter chain: one whose network is gone (even
  // one removed by a berth that predates the raw chains) is dropped with it.
  const savedRaw = saved.raw ?? '';
  const rawHave = savedChains(savedRaw);
  const r = new Set([...rawHave].filter((c) => c.startsWith('BERTH-R-') && f.has(`BERTH-F-${c.slice(8)}`)));
  for (const n of nets) r.add(chainNames(n).raw);
  const goneRaw = [...rawHave].filter((c) => c.startsWith('BERTH-R-') && !r.has(c));
  const fs = new Section('filter', saved.filter);
  const ns = new Section('nat', saved.nat);
  const rs = new Section('raw', savedRaw);
  const filter = fs.rules;
  const nat = ns.rules;
  const raw = rs.rules;
  const filterHave = savedChains(saved.filter);
  const natHave = savedChains(saved.nat);
  if (empty) {
    for (const [chain, rule] of HOOKS.filter) if (hasRule(saved.filter, chain, rule)) filter.push(`-D ${chain} ${rule}`);
    for (const [chain, rule] of HOOKS.nat) if (hasRule(saved.nat, chain, rule)) nat.push(`-D ${chain} ${rule}`);
  } else {
    for (const n of nets) {
      const c = chainNames(n);
      fs.chain(c.filter, filterRules(n));
      ns.chain(c.dnat, dnatRules(n));
      ns.chain(c.post, postRules(n));
    }
    fs.chain('BERTH-FORWARD', [...FORWARD_STATIC, ...[...f].sort().map((c) => `-j ${c}`)]);
    ns.chain('BERTH-DNAT', [...d].sort().map((c) => `-j ${c}`));
    ns.chain('BERTH-POSTROUTING', [...p].sort().map((c) => `-j ${c}`));
    for (const [chain, rule] of HOOKS.filter) if (!hasRule(saved.filter, chain, rule)) filter.push(`-I ${chain} 1 ${rule}`);
    for (const [chain, rule] of HOOKS.nat) if (!hasRule(saved.nat, chain, rule)) nat.push(`-I ${chain} 1 ${rule}`);
  }
  if (r.size === 0) {
    for (const [chain, rule] of HOOKS.raw) if (hasRule(savedRaw, chain, rule)) raw.push(`-D ${chain} ${rule}`);
  } else {
    for (const n of nets) rs.chain(chainNames(n).raw, rawRules(n));
    rs.chain('BERTH-RAW', [...r].sort().map((c) => `-j ${c}`));
    for (const [chain, rule] of HOOKS.raw) if (!hasRule(savedRaw, chain, rule)) raw.push(`-I ${chain} 1 ${rule}`);
  }
  const drop = (have: Set<string>, names: string[], out: string[]) => {
    for (const n of names) if (have.has(n)) out.push(`-F ${n}`);
    for (const n of names) if (have.has(n)) out.push(`-X ${n}`);
  };
  const goneFilter = gone.map((g) => chainNames(g).filter);
  const goneNat = gone.flatMap((g) => [chainNames(g).dnat, chainNames(g).post]);
  if (empty) {
    // Top-level chains go after the hooks into them are deleted.
    drop(filterHave, ['BERTH-FORWARD', ...goneFilter], filter);
    drop(natHave, ['BERTH-DNAT', 'BERTH-POSTROUTING', ...goneNat], nat);
  } else {
    drop(filterHave, goneFilter, filter);
    drop(natHave, goneNat, nat);
  }
  drop(rawHave, r.size === 0 ? ['BERTH-RAW', ...goneRaw] : goneRaw, raw);
  return [...fs.text(), ...ns.text(), ...rs.text()].join('\n') + '\n';
}

import type { NetworkState } from '../types.js';

/**
 * The names a network's DNS server answers: each container's name, aliases,
 * short id and hostname -> its address (Docker resolves name, aliases and id).
 */
export function recordsOf(net: Pick<NetworkState, 'endpoints'>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (n: string | undefined, ip: string) => {
    if (!n) return;
    const k = n.toLowerCase().replace(/\.$/, '');
    const list = m.get(k) ?? [];
    if (!list.includes(ip)) list.push(ip);
    m.set(k, list);
  };
  for (const ep of Object.values(net.endpoints)) {
    add(ep.name, ep.ip);
    for (const a of ep.aliases) add(a, ep.ip);
    add(ep.containerId.slice(0, 12), ep.ip);
    add(ep.hostname, ep.ip);
  }
  return m;
}

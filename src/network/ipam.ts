import { unavailable, conflict, invalidArgument } from '../errors.js';
import type { NetworkState } from './types.js';
import * as ip from './subnet.js';

/**
 * IPAM: pick a free address in a network. Pure: the allocation is the endpoint
 * record the caller saves under the store's lock, so two processes never get
 * the same address.
 */
export function allocateIp(net: NetworkState, requested?: string): string {
  const sn = ip.parseSubnet(net.subnet);
  const used = new Set(Object.values(net.endpoints).map((e) => ip.parseIp(e.ip)));
  used.add(ip.parseIp(net.gateway));
  if (requested) {
    const r = ip.parseIp(requested);
    if (!ip.isHost(sn, r)) throw invalidArgument(`invalid address ${requested}: not in subnet ${net.subnet} of network ${net.name}`);
    if (used.has(r)) throw conflict(`address ${requested} already in use on network ${net.name}`);
    return ip.formatIp(r);
  }
  const last = ip.broadcast(sn);
  for (let a = ip.firstHost(sn); a < last; a++) if (!used.has(a)) return ip.formatIp(a);
  throw unavailable(`no available IPv4 addresses on network ${net.name} (${net.subnet})`);
}

/** Docker's MAC scheme: 02:42 followed by the four bytes of the IPv4 address. */
export function macFor(addr: string): string {
  const n = ip.parseIp(addr);
  const b = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** A container's /etc/hosts and /etc/resolv.conf from every network it is attached to. Pure. */
import { hostsFile, parseResolvConf, resolvConfFile } from './etcFiles.js';
import type { Endpoint, NetworkState } from './types.js';

export interface AttachedNetwork {
  net: NetworkState;
  ep: Endpoint;
}

/**
 * hosts: the container's hostname at its address on each network, in attach order.
 * resolv.conf: the DNS server of the first user network (it answers for all of the
 * container's networks, finding the asker by its source address); the host's resolvers
 * when only the default bridge is left (Docker's rule: no embedded DNS there).
 */
export function containerEtcFiles(attached: AttachedNetwork[], hostname: string, hostResolvConf: string): { hosts: string; resolvConf: string } {
  const dns = attached.find((a) => !a.net.isDefault);
  return {
    hosts: hostsFile(attached.map((a) => ({ ip: a.ep.ip, names: [hostname] }))),
    resolvConf: resolvConfFile(parseResolvConf(hostResolvConf), dns?.net.gateway),
  };
}

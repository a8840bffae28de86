import type { Endpoint, NetworkState } from './types.js';
import { macFor } from './ipam.js';
import type { LinkOpLike, NetOpLike } from '../sys/netExec.js';

/**
 * The link/address/route operations for a bridge and a container endpoint, as data, in the
 * form src/sys/netExec.ts `applyNetOps` runs: `ip` lines as one `ip -batch` per namespace run,
 * link ops (LinkOp) as one `berth-helper net` run.
 */
export type NetOp = NetOpLike;
export type LinkOp = LinkOpLike;

const prefixOf = (net: NetworkState) => net.subnet.split('/')[1];

/** Create the network's bridge with the gateway address (when it does not exist yet). */
export function planBridge(net: NetworkState): NetOp[] {
  const br = net.bridge;
  const ops: NetOp[] = [
    // A fixed MAC: otherwise the bridge takes its lowest port's MAC and changes it when that
    // container leaves, and the others' ARP entries for the gateway go stale.
    { kind: 'ip', cmd: `link add name ${br} address ${macFor(net.gateway)} type bridge` },
    { kind: 'ip', cmd: `addr add ${net.gateway}/${prefixOf(net)} dev ${br}` },
    { kind: 'ip', cmd: `link set ${br} up` },
    // Published ports reachable from 127.0.0.1: DNAT in OUTPUT sends loopback-sourced packets here.
    { kind: 'sysctl', key: `net.ipv4.conf.${br}.route_localnet`, value: '1' },
  ];
  if (!net.internal) ops.push({ kind: 'sysctl', key: 'net.ipv4.ip_forward', value: '1' });
  return ops;
}

export function planBridgeRemove(net: NetworkState): NetOp[] {
  return [{ kind: 'ip', cmd: `link del ${net.bridge}` }];
}

/**
 * A veth pair: host side up on the bridge, peer created directly in the container's
 * netns under its final name and MAC (one netlink request), then lo, the address and
 * (unless internal or not the first network) the default route inside, and hairpin mode
 * on the bridge port (a sysfs write, after the link ops so they stay one helper run).
 */
export function planAttach(net: NetworkState, ep: Endpoint, defaultRoute: boolean): NetOp[] {
  const ns = ep.netnsPath;
  const ops: NetOp[] = [
    { kind: 'veth', host: ep.hostIfname, peer: ep.ifname, mac: ep.mac, bridge: net.bridge, peerNetns: ns },
    { kind: 'up', netns: ns, dev: 'lo' },
    { kind: 'addr', netns: ns, dev: ep.ifname, cidr: `${ep.ip}/${prefixOf(net)}` },
    { kind: 'up', netns: ns, dev: ep.ifname },
  ];
  if (defaultRoute && !net.internal) ops.push({ kind: 'route-default', netns: ns, gateway: net.gateway, dev: ep.ifname });
  // Hairpin: a container reaching its own published port gets its reply back through its own bridge port.
  ops.push({ kind: 'sysfs', path: `${ep.hostIfname}/brport/hairpin_mode`, value: '1' });
  return ops;
}

/** Deleting the host side removes the pair (and the addresses and routes inside). */
export function planDetach(ep: Endpoint): NetOp[] {
  return [{ kind: 'del', dev: ep.hostIfname }];
}

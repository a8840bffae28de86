import type { Endpoint, NetworkState } from './types.js';
import { macFor } from './ipam.js';

/**
 * The link/address/route operations for a bridge and a container endpoint, as data.
 * src/sys/netExec.ts `applyNetOps` runs them, one `ip -batch` per namespace run.
 */
export type NetOp =
  /** A line for `ip -batch` (no leading `ip`), in netns when given, else the host. */
  | { kind: 'ip'; netns?: string; cmd: string }
  | { kind: 'sysctl'; key: string; value: string }
  /** A write under /sys/class/net (no process spawned). */
  | { kind: 'sysfs'; path: string; value: string };

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
 * A veth pair: host side on the bridge, peer created directly in the container's
 * netns under its final name, then address, lo, and (unless internal or not the
 * first network) the default route.
 */
export function planAttach(net: NetworkState, ep: Endpoint, defaultRoute: boolean): NetOp[] {
  const ns = ep.netnsPath;
  const ops: NetOp[] = [
    // One netlink request: creating, enslaving and raising separately costs 3x the kernel time.
    { kind: 'ip', cmd: `link add ${ep.hostIfname} master ${net.bridge} up type veth peer name ${ep.ifname} address ${ep.mac} netns ${ns}` },
    // Hairpin: a container reaching its own published port gets its reply back through its own bridge port.
    { kind: 'sysfs', path: `${ep.hostIfname}/brport/hairpin_mode`, value: '1' },
    { kind: 'ip', netns: ns, cmd: `link set lo up` },
    { kind: 'ip', netns: ns, cmd: `addr add ${ep.ip}/${prefixOf(net)} dev ${ep.ifname}` },
    { kind: 'ip', netns: ns, cmd: `link set ${ep.ifname} up` },
  ];
  if (defaultRoute && !net.internal) ops.push({ kind: 'ip', netns: ns, cmd: `route add default via ${net.gateway} dev ${ep.ifname}` });
  return ops;
}

/** Deleting the host side removes the pair (and the addresses and routes inside). */
export function planDetach(ep: Endpoint): NetOp[] {
  return [{ kind: 'ip', cmd: `link del ${ep.hostIfname}` }];
}

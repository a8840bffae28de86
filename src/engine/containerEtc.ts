/**
 * A container's /etc/hosts and /etc/resolv.conf, the bind-mount sources in its directory:
 * rewritten in place for `network connect`/`disconnect` and a start with connected networks.
 */
import path from 'node:path';
import type { ContainerStore } from './ContainerStore.js';
import { netModeOf, networkNameOf } from './networkMode.js';
import type { ContainerRecord } from './types.js';
import { writeFileInPlace } from '../sys/writeInPlace.js';

/** The record's `--dns*` lists. */
export function dnsFlagsOf(rec: ContainerRecord): { servers: string[]; search: string[]; options: string[] } {
  const hc = rec.HostConfig;
  return { servers: hc.Dns ?? [], search: hc.DnsSearch ?? [], options: hc.DnsOptions ?? [] };
}

/** Overwrite a bind-mount source in place (the mount follows the inode, not the name; nothing planted there is followed). */
export function writeInPlace(file: string, text: string): void {
  writeFileInPlace(file, text);
}

/** `--add-host` lines, to follow the network's part of the hosts file; `host-gateway` is the network's gateway (the default bridge's without one). */
export async function extraHostsText(store: ContainerStore, rec: ContainerRecord): Promise<string> {
  const hosts = rec.HostConfig.ExtraHosts ?? [];
  if (!hosts.length) return '';
  const { NetworkStore } = await import('../network/NetworkStore.js');
  const { ensureDefaultNetwork } = await import('../network/lifecycle.js');
  const { extraHostLines, HOST_GATEWAY } = await import('../network/etcFiles.js');
  let gateway: string | undefined;
  if (hosts.some((h) => h.endsWith(HOST_GATEWAY))) {
    const own = netModeOf(rec) === 'network' ? new NetworkStore(store.root).find(networkNameOf(rec)) : undefined;
    gateway = own?.gateway ?? (await ensureDefaultNetwork(store.root)).gateway;
  }
  return extraHostLines(hosts, gateway);
}

/**
 * A running container's /etc/hosts and /etc/resolv.conf from the networks it is attached to
 * now (primary first, then the connected ones in order): `network connect` / `disconnect`
 * and a start with connected networks. A user network brings its DNS server, the last one
 * leaving brings back the host's resolvers. The files are the bind-mount sources in the
 * container's directory, rewritten in place.
 */
export async function refreshEtcFiles(store: ContainerStore, rec: ContainerRecord): Promise<void> {
  const { NetworkStore } = await import('../network/NetworkStore.js');
  const { containerEtcFiles } = await import('../network/containerEtc.js');
  const { hostResolvConf } = await import('../sys/netHost.js');
  const nets = new NetworkStore(store.root);
  const order = [...(netModeOf(rec) === 'network' ? [networkNameOf(rec)] : []), ...Object.keys(rec.ConnectedNetworks ?? {})];
  const attached = order.flatMap((name) => {
    const net = nets.find(name);
    const ep = net?.endpoints[rec.Id];
    return net && ep ? [{ net, ep }] : [];
  });
  const files = containerEtcFiles(attached, rec.Config.Hostname, hostResolvConf());
  // `--dns*` stay in force: over the host's resolvers, or forwarded by a user network's DNS server.
  const { applyDnsFlags } = await import('../network/etcFiles.js');
  files.resolvConf = applyDnsFlags(files.resolvConf, dnsFlagsOf(rec), attached.some((a) => !a.net.isDefault));
  const cdir = store.dir(rec.Id);
  writeInPlace(path.join(cdir, 'hosts'), files.hosts + await extraHostsText(store, rec));
  writeInPlace(path.join(cdir, 'resolv.conf'), files.resolvConf);
}

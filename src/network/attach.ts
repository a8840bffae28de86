import path from 'node:path';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { conflict, invalidArgument, isBerthError, notFound } from '../errors.js';
import { applyNetOps, linkExists } from '../sys/netExec.js';
import { hostListeningPorts, hostResolvConf, localPortRange } from '../sys/netHost.js';
import { NetworkStore, DEFAULT_NETWORK } from './NetworkStore.js';
import { ensureNetworkUp } from './lifecycle.js';
import { allocateIp, macFor } from './ipam.js';
import { assignHostPorts, type PortSpec } from './ports.js';
import { planAttach, planDetach } from './plan.js';
import { firewallTrust, syncFirewall } from './applyFirewall.js';
import { ensureDns, hasDns, stopDns } from './dns/manage.js';
import { hostnameFile, hostsFile, parseResolvConf, resolvConfFile } from './etcFiles.js';
import type { AttachResult, Endpoint, NetworkState } from './types.js';
import { recordEvent } from '../engine/eventLog.js';

import { containerRatePlan } from './rate/index.js';
import { runTcCommands } from '../sys/runTc.js';
import type { RateSpec } from './rateFlag.js';

export interface AttachOptions {
  root: string;
  containerId: string;
  /** Container name (resolvable by DNS on user networks). */
  name: string;
  aliases?: string[];
  /** The container's network namespace, e.g. `/proc/<pid>/ns/net`. */
  netnsPath: string;
  /** Network name or id; default `bridge`. */
  network?: string;
  /** Parsed `-p` / `-P` requests (ports.ts parsePublish / publishAll). */
  ports?: PortSpec[];
  hostname?: string;
  /** A fixed address (`--ip`). */
  ip?: string;
  /** `--dns`: this container's upstreams for the embedded DNS. */
  dns?: string[];
  /** `--mac-address`. */
  mac?: string;
  /** Interface name inside; default eth<N> for the container's Nth network. */
  ifname?: string;
  /** `--network-rate` (parseNetworkRate): shaped with tc by src/network/rate/. */
  rate?: RateSpec;
}

export interface DetachOptions {
  root: string;
  containerId: string;
  network?: string;
  /**
   * The caller is about to destroy the container's netns, which takes the veth pairs with it
   * (asynchronously, in the kernel): skip `ip link del`, which waits for an RCU grace period (~20-30 ms).
   */
  keepLinks?: boolean;
}

/** Host-side veth name: stable per (network, container), so detach and reconcile find it. */
export function hostIfnameFor(networkId: string, containerId: string): string {
  return `bv${crypto.createHash('sha256').update(`${networkId}/${containerId}`).digest('hex').slice(0, 12)}`;
}

function endpointsOf(store: NetworkStore, containerId: string): { net: NetworkState; ep: Endpoint }[] {
  return store.list().flatMap((net) => (net.endpoints[containerId] ? [{ net, ep: net.endpoints[containerId] }] : []));
}

/** The lowest ethN not used by the container's other endpoints. */
export function freeIfname(used: string[]): string {
  for (let i = 0; ; i++) if (!used.includes(`eth${i}`)) return `eth${i}`;
}

/** Record the endpoint (IP, MAC, host ports) under the lock; nothing on the host changes yet. */
async function reserve(store: NetworkStore, o: AttachOptions): Promise<{ net: NetworkState; ep: Endpoint; first: boolean }> {
  return store.locked(() => {
    const net = store.get(o.network ?? DEFAULT_NETWORK);
    if (net.endpoints[o.containerId]) throw conflict(`container ${o.name} is already connected to network ${net.name}`);
    const names = [o.name, ...(o.aliases ?? [])];
    if (!net.isDefault) {
      for (const ep of Object.values(net.endpoints)) {
        if (ep.name === o.name) throw conflict(`endpoint with name ${o.name} already exists in network ${net.name}`);
      }
    }
    if (o.ports?.length && net.internal) throw invalidArgument(`network ${net.name} is internal: ports cannot be published`);
    const all = store.list();
    const others = all.filter((n) => n.name !== net.name && n.endpoints[o.containerId]);
    // Host facts only when ports are asked for: reading /proc/net/* costs milliseconds.
    const ports = o.ports?.length
      ? assignHostPorts(o.ports, { taken: all.flatMap((n) => Object.values(n.endpoints).flatMap((e) => e.ports)), listening: hostListeningPorts(), ephemeral: localPortRange() })
      : [];
    const ipAddr = allocateIp(net, o.ip);
    const ep: Endpoint = {
      containerId: o.containerId,
      name: o.name,
      aliases: [...new Set(names.slice(1))],
      ip: ipAddr,
      mac: o.mac ?? macFor(ipAddr),
      hostIfname: hostIfnameFor(net.id, o.containerId),
      ifname: o.ifname ?? freeIfname(others.map((n) => n.endpoints[o.containerId].ifname)),
      netnsPath: o.netnsPath,
      ports,
      hostname: o.hostname,
      ...(o.dns?.length ? { dns: [...o.dns] } : {}),
    };
    net.endpoints[o.containerId] = ep;
    store.save(net);
    // The default route goes through the first network that has one (internal ones do not).
    return { net, ep, first: !others.some((n) => !n.internal) };
  });
}

/**
 * Connect a container's netns to a network: IP from IPAM, veth pair, address and
 * default route inside, published ports, DNS records. Returns the addresses and the
 * content of /etc/hosts, /etc/hostname and /etc/resolv.conf for the engine to write.
 */
export async function attachContainer(o: AttachOptions): Promise<AttachResult> {
  const store = new NetworkStore(o.root);
  if (!fs.existsSync(o.netnsPath)) throw notFound(`network namespace ${o.netnsPath} of container ${o.name} does not exist`);
  // The bridge first (cheap check); the firewall sync below also restores missing rules.
  const up = await ensureNetworkUp(store, o.network ?? DEFAULT_NETWORK, { firewall: false });
  // The firewall check (one iptables-save, usually nothing to restore; the long pole of an attach).
  // Without published ports the new endpoint adds no rules: when a sync checked this network's
  // chains and nothing changed the ruleset since (applyFirewall.ts firewallTrust: the nf_tables
  // generation, read by the link setup's own helper run), no check is needed. Otherwise it starts
  // before the reservation and overlaps it and the link setup.
  const trust = o.ports?.length ? undefined : firewallTrust(up.id);
  const early = o.ports?.length || trust ? undefined : syncFirewall(() => [store.get(up.name)]);
  early?.catch(() => undefined);
  let reserved: Awaited<ReturnType<typeof reserve>>;
  try {
    reserved = await reserve(store, o);
  } catch (e) {
    await early?.catch(() => undefined);
    throw e;
  }
  const { net, ep, first } = reserved;
  try {
    // A previous netns of this container may still be being destroyed by the kernel, its veth with it.
    if (linkExists(ep.hostIfname)) await applyNetOps(planDetach(ep)).catch(() => undefined);
    const [links] = await Promise.all([
      applyNetOps(planAttach(net, ep, first), { rulesetGeneration: trust?.generation !== undefined }),
      trust ? undefined : early ?? syncFirewall(() => [store.get(net.name)]),
    ]);
    // The ruleset changed since the last check: check now (puts back anything missing).
    if (trust?.generation !== undefined && links.generation !== trust.generation) await syncFirewall(() => [store.get(net.name)]);
    if (o.rate && (o.rate.egress || o.rate.ingress)) {
      runTcCommands(containerRatePlan({ hostVeth: ep.hostIfname, containerVeth: ep.ifname, containerNetns: ep.netnsPath, ...o.rate }));
    }
    if (hasDns(net)) await startDnsIfNeeded(store, net.name);
  } catch (e) {
    await detachContainer({ root: o.root, containerId: o.containerId, network: net.name }).catch(() => undefined);
    throw e;
  }
  recordEvent(o.root, 'network', 'connect', net.id, { container: o.containerId, name: net.name, type: 'bridge' });
  const prefixLen = Number(net.subnet.split('/')[1]);
  const hostname = o.hostname ?? o.containerId.slice(0, 12);
  return {
    network: net.name,
    networkId: net.id,
    ip: ep.ip,
    prefixLen,
    mac: ep.mac,
    gateway: net.gateway,
    ifname: ep.ifname,
    hostIfname: ep.hostIfname,
    ports: ep.ports,
    files: {
      hosts: hostsFile([{ ip: ep.ip, names: [hostname] }]),
      hostname: hostnameFile(hostname),
      resolvConf: resolvConfFile(parseResolvConf(hostResolvConf()), hasDns(net) ? net.gateway : undefined),
    },
  };
}

async function startDnsIfNeeded(store: NetworkStore, name: string): Promise<void> {
  await store.locked(async () => {
    const net = store.get(name);
    const stateFile = path.join(store.dir, `${net.name}.json`);
    const pid = await ensureDns(net, stateFile);
    if (pid !== net.dnsPid) {
      net.dnsPid = pid;
      store.save(net);
    }
  });
}

/**
 * Undo attachContainer: veth, port rules, the IP allocation and DNS records; stops the
 * network's DNS server when it was the last container. Missing pieces are fine.
 */
export async function detachContainer(o: DetachOptions): Promise<void> {
  const store = new NetworkStore(o.root);
  const nets = o.network ? [store.get(o.network)] : endpointsOf(store, o.containerId).map((x) => x.net);
  for (const n of nets) await detachOne(store, n.name, o.containerId, !!o.keepLinks);
}

async function detachOne(store: NetworkStore, name: string, containerId: string, keepLinks = false): Promise<void> {
  const ep = await store.locked(() => {
    const net = store.get(name);
    const found = net.endpoints[containerId];
    if (!found) return undefined;
    delete net.endpoints[containerId];
    if (Object.keys(net.endpoints).length === 0 && net.dnsPid) {
      stopDns(net, path.join(store.dir, `${net.name}.json`));
      delete net.dnsPid;
    }
    store.save(net);
    return found;
  });
  if (!ep) return;
  const net = store.find(name);
  if (net) recordEvent(store.root, 'network', 'disconnect', net.id, { container: containerId, name: net.name, type: 'bridge' });
  if (ep.ports.length) await syncFirewall(() => [store.get(name)]);
  if (!keepLinks && linkExists(ep.hostIfname)) {
    try {
      await applyNetOps(planDetach(ep));
    } catch (e) {
      // The netns may have gone away meanwhile, taking the pair with it.
      if (!(isBerthError(e) && !linkExists(ep.hostIfname))) throw e;
    }
  }
}

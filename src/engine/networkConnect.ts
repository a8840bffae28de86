/**
 * `network connect` / `network disconnect` of a berth container, as Docker: the record
 * keeps the networks it was connected to (ContainerRecord.ConnectedNetworks) and every
 * start attaches them again after the primary one (HostConfig.NetworkMode). A running
 * container is attached/detached at once, its /etc/hosts and /etc/resolv.conf rewritten to
 * match (src/engine/containerEtc.ts refreshEtcFiles); a created or stopped one only changes its record.
 */
import fs from 'node:fs';
import { conflict, failedPrecondition, invalidArgument, isBerthError, notFound } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { pidNetns } from '../sys/pidNetns.js';
import { disconnectNetwork } from './disconnectNetwork.js';
import { netModeOf, netnsFile, networkNameOf } from './networkMode.js';
import { refreshEtcFiles } from './containerEtc.js';
import type { ContainerRecord } from './types.js';

export interface ConnectOptions {
  aliases?: string[];
  ip?: string;
}

const nameOf = (rec: ContainerRecord) => rec.Name.replace(/^\//, '');

/** Docker's refusals for containers that have no network namespace of their own to connect. */
function checkConnectable(rec: ContainerRecord): void {
  const mode = netModeOf(rec);
  if (mode === 'host') throw conflict('container cannot be disconnected from host network or connected to host network');
  if (mode === 'none') throw conflict(`container cannot be connected to multiple networks with one of the networks in private (none) mode`);
  if (mode === 'container') throw conflict('container sharing network namespace with another container or host cannot be connected to any other network');
}

/** The running container's netns (the persistent one of a bridged container, else its init's), or undefined when it is not running. */
function runningNetns(store: ContainerStore, rec: ContainerRecord): string | undefined {
  const st = liveState(store, rec);
  if (!st.Running) return undefined;
  const own = netnsFile(store, rec.Id);
  if (fs.existsSync(own)) return own;
  return st.Pid ? pidNetns(st.Pid) : undefined;
}

/** `network connect [--alias A] [--ip IP] NET CONTAINER`. */
export async function connectNetwork(store: ContainerStore, ref: string, network: string, o: ConnectOptions = {}): Promise<void> {
  const found = store.find(ref);
  const { NetworkStore } = await import('../network/NetworkStore.js');
  const net = new NetworkStore(store.root).get(network);
  if (o.aliases?.length && net.isDefault) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  await store.withLock(found.Id, async () => {
    const rec = store.read(found.Id) ?? found;
    if (rec.NetworkEmptied && netModeOf(rec) === 'none') {
      await reconnectPrimary(store, rec, net.name, o);
      return;
    }
    checkConnectable(rec);
    const primary = networkNameOf(rec) === net.name && !rec.HostConfig.NetworkMode.startsWith('container:');
    if (primary || rec.ConnectedNetworks?.[net.name]) throw conflict(`endpoint with name ${nameOf(rec)} already exists in network ${net.name}`);
    const netns = runningNetns(store, rec);
    if (o.ip && !netns) {
      // Checked now as far as it can be (in the subnet); whether it is free is the start's business.
      const { allocateIp } = await import('../network/ipam.js');
      allocateIp({ ...net, endpoints: {} }, o.ip);
    }
    if (netns) {
      const { attachContainer } = await import('../network/attach.js');
      await attachContainer({ root: store.root, containerId: rec.Id, name: nameOf(rec), aliases: o.aliases, netnsPath: netns, network: net.name, ip: o.ip, hostname: rec.Config.Hostname });
    }
    rec.ConnectedNetworks = { ...(rec.ConnectedNetworks ?? {}), [net.name]: { NetworkID: net.id, ...(o.aliases?.length ? { Aliases: [...o.aliases] } : {}), ...(o.ip ? { IPv4Address: o.ip } : {}) } };
    store.write(rec);
    // Docker's live switch: the new network's address in /etc/hosts, its DNS in /etc/resolv.conf.
    if (netns) await refreshEtcFiles(store, rec);
  });
}

/**
 * `network disconnect [-f] NET CONTAINER`. A container this store does not know (one
 * connected with `--netns`, or a leftover endpoint) is found among the network's endpoints.
 * Disconnecting the primary network makes the first remaining connected network the primary
 * one (none when there is no other), so the next start does not attach it again.
 */
export async function disconnectFromNetwork(store: ContainerStore, ref: string, network: string, o: { force?: boolean } = {}): Promise<void> {
  const { NetworkStore } = await import('../network/NetworkStore.js');
  const { detachContainer } = await import('../network/attach.js');
  const net = new NetworkStore(store.root).find(network);
  if (!net) {
    await forgetRemovedNetwork(store, ref, network);
    return;
  }
  let found: ContainerRecord;
  try {
    found = store.find(ref);
  } catch (e) {
    if (!isBerthError(e, 'NotFound')) throw e;
    const ep = Object.values(net.endpoints).find((x) => x.containerId === ref || x.name === ref.replace(/^\//, '') || (ref.length >= 3 && x.containerId.startsWith(ref)));
    if (!ep) throw e;
    await detachContainer({ root: store.root, containerId: ep.containerId, network: net.name });
    return;
  }
  await store.withLock(found.Id, async () => {
    const rec = store.read(found.Id) ?? found;
    const attached = !!new NetworkStore(store.root).get(net.name).endpoints[rec.Id];
    const primary = netModeOf(rec) === 'network' && networkNameOf(rec) === net.name;
    const connected = !!rec.ConnectedNetworks?.[net.name];
    if (!attached && !primary && !connected) {
      if (netModeOf(rec) === 'host' && net.name === 'host') throw conflict('container cannot be disconnected from host network or connected to host network');
      throw failedPrecondition(`container ${rec.Id} is not connected to network ${net.name}`);
    }
    if (attached) await detachContainer({ root: store.root, containerId: rec.Id, network: net.name });
    if (connected) {
      const rest = { ...rec.ConnectedNetworks };
      delete rest[net.name];
      rec.ConnectedNetworks = Object.keys(rest).length ? rest : undefined;
    }
    if (primary) promoteNextNetwork(rec);
    store.write(rec);
    if (attached && runningNetns(store, rec)) await refreshEtcFiles(store, rec);
  });
}

/** A network removed since it was connected: only the container's config still names it. */
async function forgetRemovedNetwork(store: ContainerStore, ref: string, network: string): Promise<void> {
  const found = store.find(ref);
  await store.withLock(found.Id, async () => {
    const rec = store.read(found.Id) ?? found;
    if (!rec.ConnectedNetworks?.[network]) throw notFound(`network ${network} not found`);
    const rest = { ...rec.ConnectedNetworks };
    delete rest[network];
    rec.ConnectedNetworks = Object.keys(rest).length ? rest : undefined;
    store.write(rec);
  });
}

/** The primary network left: the next connected network takes its place, or `none`. */
function promoteNextNetwork(rec: ContainerRecord): void {
  const [next] = Object.keys(rec.ConnectedNetworks ?? {});
  if (!next) {
    rec.HostConfig.NetworkMode = 'none';
    rec.NetworkEmptied = true;
    return;
  }
  const c = rec.ConnectedNetworks![next];
  rec.HostConfig.NetworkMode = next;
  rec.NetworkExtras = { ...(rec.NetworkExtras ?? {}), Aliases: c.Aliases, IPv4Address: c.IPv4Address };
  const rest = { ...rec.ConnectedNetworks };
  delete rest[next];
  rec.ConnectedNetworks = Object.keys(rest).length ? rest : undefined;
}

/**
 * Connecting a container whose last network was disconnected (docker-compose disconnects and
 * connects again to set its aliases): the network becomes its primary one, published ports
 * and all; a running one is attached at once.
 */
async function reconnectPrimary(store: ContainerStore, rec: ContainerRecord, network: string, o: ConnectOptions): Promise<void> {
  const netns = runningNetns(store, rec);
  if (netns) {
    const { attachContainer } = await import('../network/attach.js');
    await attachContainer({ root: store.root, containerId: rec.Id, name: nameOf(rec), aliases: o.aliases, netnsPath: netns, network, ip: o.ip, hostname: rec.Config.Hostname });
  }
  rec.HostConfig.NetworkMode = network;
  rec.NetworkExtras = { ...(rec.NetworkExtras ?? {}), Aliases: o.aliases?.length ? [...o.aliases] : undefined, IPv4Address: o.ip };
  delete rec.NetworkEmptied;
  store.write(rec);
  if (netns) await refreshEtcFiles(store, rec);
}

/**
 * A start's part after the primary network is attached: the connected networks, in the
 * order they were connected. On failure everything the start attached is released.
 */
export async function attachConnected(store: ContainerStore, rec: ContainerRecord, netns: string): Promise<void> {
  const { attachContainer } = await import('../network/attach.js');
  try {
    for (const [name, c] of Object.entries(rec.ConnectedNetworks ?? {})) {
      await attachContainer({ root: store.root, containerId: rec.Id, name: nameOf(rec), aliases: c.Aliases, netnsPath: netns, network: name, ip: c.IPv4Address, hostname: rec.Config.Hostname });
    }
  } catch (e) {
    await disconnectNetwork(store, rec, { keepLinks: false }).catch(() => undefined);
    throw e;
  }
}

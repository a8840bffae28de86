import fs from 'node:fs';
import path from 'node:path';
import { failedPrecondition, isBerthError } from '../errors.js';
import { applyNetOps, linkExists } from '../sys/netExec.js';
import { NetworkStore, DEFAULT_NETWORK, type CreateOptions } from './NetworkStore.js';
import { planBridge, planBridgeRemove } from './plan.js';
import { forgetFirewallVerified, syncFirewall } from './applyFirewall.js';
import { logFileFor, stopDns } from './dns/manage.js';
import { registerNetwork, sweepOrphanedNetworks, unregisterNetwork } from './orphans.js';
import type { NetworkState } from './types.js';
import { recordEvent } from '../engine/eventLog.js';

/** Extra settings a test (or `network create`) may give; dnsUpstream points forwarding elsewhere. */
export interface NetworkExtras {
  dnsUpstream?: string[];
  dnsPort?: number;
}

/** Create a user network: state file, bridge with the gateway address, firewall chains. */
export async function createNetwork(root: string, opts: CreateOptions & NetworkExtras): Promise<NetworkState> {
  const store = new NetworkStore(root);
  const net = await store.locked(() => {
    const n: NetworkState = store.plan(opts, false);
    if (opts.dnsUpstream) n.dnsUpstream = opts.dnsUpstream;
    if (opts.dnsPort) n.dnsPort = opts.dnsPort;
    store.save(n);
    return n;
  });
  await ensureNetworkUp(store, net.name);
  recordEvent(root, 'network', 'create', net.id, { name: net.name, type: 'bridge' });
  return store.get(net.name);
}

/**
 * The default `bridge` network, created on first use. `overrides` lets tests use their own
 * bridge name and subnet so they never touch the real berth0.
 */
export async function ensureDefaultNetwork(root: string, overrides: Partial<CreateOptions> = {}): Promise<NetworkState> {
  const store = new NetworkStore(root);
  return store.locked(() => {
    const have = store.find(DEFAULT_NETWORK);
    if (have) return have;
    const n = store.plan({ ...overrides, name: DEFAULT_NETWORK }, true);
    store.save(n);
    return n;
  });
}

/**
 * Make sure the network's bridge exists and its firewall rules are in place (both are
 * restored when missing, e.g. after a reboot or someone flushing iptables).
 */
export async function ensureNetworkUp(store: NetworkStore, ref: string, opts: { firewall?: boolean } = {}): Promise<NetworkState> {
  if (ref === DEFAULT_NETWORK && !store.find(DEFAULT_NETWORK)) await ensureDefaultNetwork(store.root);
  let net = store.get(ref);
  if (linkExists(net.bridge) && opts.firewall === false) return net;
  return store.locked(async () => {
    net = store.get(ref);
    if (!linkExists(net.bridge)) {
      // A new bridge: first sweep what deleted roots left behind, then register this one.
      await sweepOrphanedNetworks().catch(() => undefined);
      await applyNetOps(planBridge(net));
      registerNetwork(store.root, net);
      // A new bridge (first use, after a reboot or someone deleting it): whatever removed it may
      // have taken the rules too, so the next attach checks them instead of trusting an old sync.
      if (opts.firewall === false) await forgetFirewallVerified(net.id);
    }
    if (opts.firewall !== false) await syncFirewall(() => [store.get(ref)]);
    return net;
  });
}

/** `network rm`: refuse while containers are attached (Docker's error), else tear down. */
export async function removeNetwork(root: string, ref: string, opts: { allowDefault?: boolean } = {}): Promise<NetworkState> {
  const store = new NetworkStore(root);
  if (ref === DEFAULT_NETWORK && !opts.allowDefault) throw failedPrecondition(`${ref} is a pre-defined network and cannot be removed`);
  return store.locked(async () => {
    const net = store.get(ref);
    if (net.isDefault && !opts.allowDefault) throw failedPrecondition(`${net.name} is a pre-defined network and cannot be removed`);
    const n = Object.keys(net.endpoints).length;
    if (n > 0) throw failedPrecondition(`error while removing network: network ${net.name} id ${net.id} has active endpoints`);
    await teardown(store, net);
    store.delete(net.name);
    unregisterNetwork(net);
    fs.rmSync(logFileFor(path.join(store.dir, `${net.name}.json`)), { force: true });
    recordEvent(root, 'network', 'destroy', net.id, { name: net.name, type: 'bridge' });
    return net;
  });
}

async function teardown(store: NetworkStore, net: NetworkState): Promise<void> {
  stopDns(net, path.join(store.dir, `${net.name}.json`));
  await syncFirewall(() => [], [net]);
  if (linkExists(net.bridge)) {
    try {
      await applyNetOps(planBridgeRemove(net));
    } catch (e) {
      if (!(isBerthError(e) && !linkExists(net.bridge))) throw e;
    }
  }
}

/** `network prune`: remove user networks no container uses; returns their names. Bridges of removed roots go too (not listed). */
export async function pruneNetworks(root: string): Promise<string[]> {
  const store = new NetworkStore(root);
  const removed: string[] = [];
  await sweepOrphanedNetworks({ rootGone: true });
  for (const n of store.list()) {
    if (n.isDefault || Object.keys(n.endpoints).length) continue;
    try {
      await removeNetwork(root, n.name);
      removed.push(n.name);
    } catch (e) {
      if (!isBerthError(e, 'FailedPrecondition') && !isBerthError(e, 'NotFound')) throw e;
    }
  }
  return removed;
}

/**
 * `system boot`: what Docker's daemon does when it starts, for a root after a reboot (no
 * daemon here: run it from an init system, contrib/berth-boot.service, or cron `@reboot`).
 * Addresses held by containers that no longer run are released, every network's bridge and
 * firewall rules are made again where missing, then every container whose restart policy asks
 * for it is started: `always`, and `unless-stopped` unless the user stopped it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import type { ContainerRecord } from './types.js';

export interface BootReport {
  networks: string[];
  started: string[];
  failed: { name: string; error: string }[];
}

export function startsAtBoot(rec: ContainerRecord): boolean {
  const p = rec.HostConfig.RestartPolicy?.Name;
  return p === 'always' || (p === 'unless-stopped' && !rec.State.StoppedByUser);
}

const nameOf = (r: ContainerRecord) => r.Name.replace(/^\//, '');

export async function bootContainers(store: ContainerStore): Promise<BootReport> {
  const report: BootReport = { networks: [], started: [], failed: [] };
  await bootNetworks(store, report);
  const { startContainer } = await import('./startContainer.js');
  for (const rec of store.list()) {
    if (!startsAtBoot(rec) || liveState(store, rec).Running) continue;
    try {
      if (await startContainer(store, rec.Id)) report.started.push(nameOf(rec));
    } catch (e) {
      report.failed.push({ name: nameOf(rec), error: e instanceof Error ? e.message : String(e) });
    }
  }
  return report;
}

async function bootNetworks(store: ContainerStore, report: BootReport): Promise<void> {
  if (!fs.existsSync(path.join(store.root, 'networks'))) return;
  const { reconcileNetworks } = await import('./network.js');
  await reconcileNetworks(store, (r) => liveState(store, r).Running);
  const net = await import('../network/index.js');
  const networks = new net.NetworkStore(store.root);
  for (const n of networks.list()) {
    try {
      await net.ensureNetworkUp(networks, n.name);
      report.networks.push(n.name);
    } catch (e) {
      report.failed.push({ name: `network ${n.name}`, error: e instanceof Error ? e.message : String(e) });
    }
  }
}

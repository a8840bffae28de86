import fs from 'node:fs';
import type { ContainerStore } from './ContainerStore.js';
import { netModeOf, netnsFile, networkFile } from './networkMode.js';
import type { ContainerRecord } from './types.js';

/**
 * stop/rm: leave every network (port rules, address, DNS records), then drop the persistent
 * netns, which takes the veths with it (no `ip link del` wait). The next start makes a new one.
 */
export async function disconnectNetwork(store: ContainerStore, rec: ContainerRecord, opts: { keepLinks?: boolean } = {}): Promise<void> {
  await disconnectNetworkOf(store, rec.Id, netModeOf(rec) === 'network', opts);
}

/** By id alone (a damaged record no longer tells the network mode): `networked` forces the look-up. */
export async function disconnectNetworkOf(store: ContainerStore, id: string, networked: boolean, opts: { keepLinks?: boolean } = {}): Promise<void> {
  const file = netnsFile(store, id);
  const bound = fs.existsSync(file);
  if (!networked && !bound && !fs.existsSync(networkFile(store, id))) return;
  const net = await import('../network/index.js'); // loaded only for a container that has a network
  await net.disconnectContainer(store.root, id, { keepLinks: opts.keepLinks ?? bound }).catch(() => undefined);
  fs.rmSync(networkFile(store, id), { force: true });
  if (bound) {
    const { removeNetns } = await import('../sys/netns.js');
    removeNetns(file);
  }
}

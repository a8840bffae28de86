import fs from 'node:fs';
import type { ContainerStore } from './ContainerStore.js';
import { netModeOf, netnsFile, networkFile } from './networkMode.js';
import type { ContainerRecord } from './types.js';

/**
 * stop/rm: leave every network (port rules, address, DNS records), then drop the persistent
 * netns, which takes the veths with it (no `ip link del` wait). The next start makes a new one.
 */
export async function disconnectNetwork(store: ContainerStore, rec: ContainerRecord, opts: { keepLinks?: boolean } = {}): Promise<void> {
  const file = netnsFile(store, rec.Id);
  const bound = fs.existsSync(file);
  if (netModeOf(rec) !== 'network' && !bound && !fs.existsSync(networkFile(store, rec.Id))) return;
  const net = await import('../network/index.js'); // loaded only for a container that has a network
  await net.disconnectContainer(store.root, rec.Id, { keepLinks: opts.keepLinks ?? bound }).catch(() => undefined);
  fs.rmSync(networkFile(store, rec.Id), { force: true });
  if (bound) {
    const { removeNetns } = await import('../sys/netns.js');
    removeNetns(file);
  }
}

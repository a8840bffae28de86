import fs from 'node:fs';
import path from 'node:path';
import { linkExists } from '../sys/netExec.js';
import { NetworkStore } from './NetworkStore.js';
import { detachContainer } from './attach.js';
import { ensureNetworkUp } from './lifecycle.js';
import { isDnsServer } from '../sys/netDns.js';
import { ensureDns, hasDns, stopDns } from './dns/manage.js';

export interface ReconcileReport {
  /** `network/containerId` of endpoints removed because their container is gone. */
  detached: string[];
}

/**
 * Repair after a crash (the engine calls this from `system prune` and on start):
 * endpoints whose netns is gone (or whose container `isAlive` denies) are detached,
 * bridges and firewall rules of the networks still in use are restored, and DNS servers
 * are started or stopped to match.
 */
export async function reconcile(root: string, isAlive?: (containerId: string) => boolean): Promise<ReconcileReport> {
  const store = new NetworkStore(root);
  const detached: string[] = [];
  for (const net of store.list()) {
    for (const ep of Object.values(net.endpoints)) {
      const gone = !fs.existsSync(ep.netnsPath) || (isAlive && !isAlive(ep.containerId));
      if (gone) {
        await detachContainer({ root, containerId: ep.containerId, network: net.name });
        detached.push(`${net.name}/${ep.containerId}`);
      }
    }
  }
  for (const net of store.list()) {
    const used = Object.keys(net.endpoints).length > 0;
    if (used || !net.isDefault || linkExists(net.bridge)) await ensureNetworkUp(store, net.name);
    await store.locked(async () => {
      const n = store.get(net.name);
      const file = path.join(store.dir, `${n.name}.json`);
      const running = isDnsServer(n.dnsPid, file);
      if (used && hasDns(n) && !running) n.dnsPid = await ensureDns(n, file);
      else if (!used && running) {
        stopDns(n, file);
        delete n.dnsPid;
      } else if (!running) delete n.dnsPid;
      store.save(n);
    });
  }
  return { detached };
}

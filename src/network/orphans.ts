/**
 * Networks whose berth root was deleted (a test's temporary root, `rm -rf` of a root)
 * leave a bridge and firewall chains behind that no `network rm` can reach. Every network
 * is registered machine-wide in `/run/berth/networks/<bridge>.json` (its root and state);
 * creating a network sweeps entries whose root no longer has the network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { applyNetOps, linkExists } from '../sys/netExec.js';
import { syncFirewall } from './applyFirewall.js';
import { planBridgeRemove } from './plan.js';
import type { NetworkState } from './types.js';

export const REGISTRY_DIR = '/run/berth/networks';

interface Entry { root: string; state: NetworkState }

/** Record that `root` owns `net` (its bridge and chains). */
export function registerNetwork(root: string, net: NetworkState): void {
  fs.mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o700 });
  const e: Entry = { root: path.resolve(root), state: { ...net, endpoints: {} } };
  fs.writeFileSync(path.join(REGISTRY_DIR, `${net.bridge}.json`), JSON.stringify(e));
}

export function unregisterNetwork(net: Pick<NetworkState, 'bridge'>): void {
  fs.rmSync(path.join(REGISTRY_DIR, `${net.bridge}.json`), { force: true });
}

/** The default root's networks are never swept as a removed root's. */
const DEFAULT_ROOT = '/var/lib/berth';

/** A registered network its root no longer holds: the bridge and chains nothing else can reach. */
export interface OrphanedNetwork {
  /** The root that made it, as registered. */
  root: string;
  /** The root directory itself is gone (else only its network is). */
  rootGone: boolean;
  state: NetworkState;
}

/** Entries whose root no longer holds a network with the same id (`rootGone`: only those whose root directory is gone). */
export function orphanedNetworks(opts: { rootGone?: boolean } = {}): OrphanedNetwork[] {
  let files: string[];
  try {
    files = fs.readdirSync(REGISTRY_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: OrphanedNetwork[] = [];
  for (const f of files) {
    let e: Entry;
    try {
      e = JSON.parse(fs.readFileSync(path.join(REGISTRY_DIR, f), 'utf8')) as Entry;
    } catch {
      continue;
    }
    const rootGone = path.resolve(e.root) !== DEFAULT_ROOT && !fs.existsSync(e.root);
    if (opts.rootGone && !rootGone) continue;
    let current: NetworkState | undefined;
    try {
      current = JSON.parse(fs.readFileSync(path.join(e.root, 'networks', `${e.state.name}.json`), 'utf8')) as NetworkState;
    } catch { /* root or network gone */ }
    if (!current || current.id !== e.state.id) out.push({ root: e.root, rootGone, state: e.state });
  }
  return out.sort((a, b) => a.state.bridge.localeCompare(b.state.bridge));
}

/**
 * Remove the bridges and chains of orphaned networks (`rootGone`: only of removed roots, for prune),
 * or of `only` (what the user was shown); returns what went. Their DNS servers exit by themselves
 * once their state file is gone (dns/server.ts).
 */
export async function sweepOrphanedNetworks(opts: { rootGone?: boolean } = {}, only?: OrphanedNetwork[]): Promise<OrphanedNetwork[]> {
  // What was shown is checked again: a root made again since keeps its network.
  const now = orphanedNetworks(opts);
  const gone = only ? now.filter((o) => only.some((x) => x.state.id === o.state.id && x.state.bridge === o.state.bridge)) : now;
  if (!gone.length) return [];
  await syncFirewall(() => [], gone.map((g) => g.state));
  for (const { state } of gone) {
    if (linkExists(state.bridge)) await applyNetOps(planBridgeRemove(state)).catch(() => undefined);
    unregisterNetwork(state);
  }
  return gone;
}

/** `container prune`, `volume prune`, `system prune`. */
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { dirBytes } from './containerSize.js';
import { removeContainer } from './removeContainer.js';
import { VolumeStore } from './volumes.js';

export interface PruneResult { deleted: string[]; reclaimed: number }

function labelFilter(filters: string[]): (labels: Record<string, string> | null) => boolean {
  const want = filters.filter((f) => f.startsWith('label=')).map((f) => f.slice(6).split('=', 2));
  return (labels) => want.every(([k, v]) => labels !== null && k in labels && (v === undefined || labels[k] === v));
}

export async function pruneContainers(store: ContainerStore, filters: string[] = []): Promise<PruneResult> {
  store.sweepTemp();
  const ok = labelFilter(filters);
  const until = filters.find((f) => f.startsWith('until='))?.slice(6);
  const limit = until ? Date.parse(until) : undefined;
  const out: PruneResult = { deleted: [], reclaimed: 0 };
  for (const rec of store.list()) {
    if (liveState(store, rec).Running || !ok(rec.Config.Labels)) continue;
    if (limit !== undefined && Date.parse(rec.Created) > limit) continue;
    const size = dirBytes(`${store.root}/snapshots/${rec.SnapshotKey}/upper`);
    try {
      await removeContainer(store, rec.Id);
      out.deleted.push(rec.Id);
      out.reclaimed += size;
    } catch { /* started meanwhile */ }
  }
  return out;
}

/** Unused volumes; anonymous ones only unless `all` (Docker 23+). */
export function pruneVolumes(store: ContainerStore, all = false, filters: string[] = []): PruneResult {
  const vols = new VolumeStore(store.root);
  const ok = labelFilter(filters);
  const used = new Set(store.list().flatMap((c) => c.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name)));
  const out: PruneResult = { deleted: [], reclaimed: 0 };
  for (const v of vols.list()) {
    if (used.has(v.Name) || (!all && !v.Anonymous) || !ok(v.Labels)) continue;
    out.reclaimed += dirBytes(v.Mountpoint);
    vols.removeDir(v.Name);
    out.deleted.push(v.Name);
  }
  return out;
}

import fs from 'node:fs';
import path from 'node:path';
import { isDigest, type Digest } from './digest.js';
import type { ImageStore } from './ImageStore.js';
import { withGcLock } from './lease.js';
import { parseConfig, parseManifestOrIndex } from './manifest.js';
import { Snapshotter } from './Snapshotter.js';

export interface GcResult {
  blobs: number;
  layers: number;
  /** Bytes freed (blob sizes + extracted layer sizes). */
  bytes: number;
}

/** Everything reachable from index.json, containers and snapshots. */
function mark(store: ImageStore): { blobs: Set<Digest>; layers: Set<Digest> } {
  const blobs = new Set<Digest>();
  const layers = new Set<Digest>();
  const c = store.content;
  const markConfig = (d: Digest) => {
    if (!c.has(d)) return;
    blobs.add(d);
    try {
      for (const l of parseConfig(c.read(d), d).rootfs.diff_ids) layers.add(l);
    } catch {
      /* a broken config keeps only itself */
    }
  };
  const markManifest = (d: Digest, depth = 0) => {
    if (!c.has(d) || blobs.has(d) || depth > 8) return;
    blobs.add(d);
    try {
      const r = parseManifestOrIndex(c.read(d), d);
      if ('index' in r) for (const m of r.index.manifests) markManifest(m.digest, depth + 1);
      else {
        markConfig(r.manifest.config.digest);
        for (const l of r.manifest.layers) blobs.add(l.digest);
      }
    } catch {
      /* unparsable: keep the blob itself */
    }
  };
  for (const d of c.readIndex().manifests) if (isDigest(d.digest)) markManifest(d.digest);
  for (const id of store.usage().keys()) markConfig(id);
  for (const s of new Snapshotter(store).list()) {
    markConfig(s.imageId);
    for (const l of s.layers) layers.add(l);
  }
  return { blobs, layers };
}

function rmTemp(dir: string, prefix: string): void {
  if (!fs.existsSync(dir)) return;
  for (const n of fs.readdirSync(dir)) if (n.startsWith(prefix)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}

/**
 * Remove unreferenced blobs and layer dirs, and leftovers of killed writers. Runs under
 * the GC lock, only while no writer holds a lease (see lease.ts), so a concurrent load,
 * pull or container start never loses content it is adding.
 */
export async function collectGarbage(store: ImageStore): Promise<GcResult> {
  return withGcLock(store.content.dir, async () => {
    const { blobs, layers } = mark(store);
    const r: GcResult = { blobs: 0, layers: 0, bytes: 0 };
    for (const d of store.content.list()) {
      if (blobs.has(d)) continue;
      r.bytes += fs.statSync(store.content.path(d)).size;
      store.content.remove(d);
      r.blobs++;
    }
    for (const l of store.layers.list()) {
      if (layers.has(l)) continue;
      r.bytes += store.layers.info(l)?.size ?? 0;
      store.layers.remove(l);
      r.layers++;
    }
    const ld = store.layers.linksDir;
    if (fs.existsSync(ld)) for (const n of fs.readdirSync(ld)) if (!fs.existsSync(path.join(ld, n))) fs.rmSync(path.join(ld, n), { force: true });
    removeTemps(store);
    return r;
  });
}

function removeTemps(store: ImageStore): void {
  rmTemp(store.content.ingestDir, '');
  rmTemp(store.layers.dir, '.tmp-');
  rmTemp(path.join(store.root, 'snapshots'), '.tmp-');
}

/** Only the leftovers of killed writers (what `system check --repair` fixes), under the same lock. */
export async function removeLeftovers(store: ImageStore): Promise<void> {
  await withGcLock(store.content.dir, async () => removeTemps(store));
}

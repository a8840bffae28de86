import fs from 'node:fs';
import path from 'node:path';
import { ContentStore } from './ContentStore.js';
import { isDigest, type Digest } from './digest.js';
import type { ImageStore } from './ImageStore.js';
import { parseConfig, parseManifestOrIndex, type Descriptor } from './manifest.js';

/**
 * `berth system check`: verify every blob's digest, that every reference in index.json
 * resolves to blobs of the right size, and that every extracted layer is complete.
 * Returns one line per problem (empty = consistent). Leftover temp files are not problems.
 */
export async function checkStore(store: ImageStore): Promise<string[]> {
  const problems: string[] = [];
  const c = store.content;
  for (const d of c.list()) {
    const h = await ContentStore.hashFile(c.path(d));
    if (h.digest !== d) problems.push(`blob ${d}: content hashes to ${h.digest}`);
  }
  for (const n of fs.existsSync(c.blobsDir) ? fs.readdirSync(c.blobsDir) : []) {
    if (!isDigest(`sha256:${n}`)) problems.push(`blobs/sha256/${n}: not a digest name`);
  }
  const need = (d: Descriptor, what: string): Buffer | undefined => {
    if (!c.has(d.digest)) {
      problems.push(`${what} ${d.digest}: blob missing`);
      return undefined;
    }
    if (c.size(d.digest) !== d.size) problems.push(`${what} ${d.digest}: size ${c.size(d.digest)}, descriptor says ${d.size}`);
    return what === 'layer' ? undefined : c.read(d.digest);
  };
  const checkManifest = (d: Descriptor, depth = 0): void => {
    const buf = need(d, 'manifest');
    if (!buf || depth > 8) return;
    try {
      const r = parseManifestOrIndex(buf, `manifest ${d.digest}`);
      if ('index' in r) return r.index.manifests.forEach((m) => checkManifest(m, depth + 1));
      const cb = need(r.manifest.config, 'config');
      r.manifest.layers.forEach((l) => need(l, 'layer'));
      if (!cb) return;
      const cfg = parseConfig(cb, `config ${r.manifest.config.digest}`);
      if (cfg.rootfs.diff_ids.length !== r.manifest.layers.length) problems.push(`manifest ${d.digest}: ${r.manifest.layers.length} layers but ${cfg.rootfs.diff_ids.length} diff_ids`);
      for (const l of cfg.rootfs.diff_ids) if (!store.layers.has(l)) problems.push(`layer ${l}: not extracted`);
    } catch (e) {
      problems.push((e as Error).message);
    }
  };
  for (const d of c.readIndex().manifests) checkManifest(d);
  for (const l of store.layers.list()) {
    const info = store.layers.info(l);
    if (!info) problems.push(`layer ${l}: layer.json missing`);
    else if (!fs.existsSync(path.join(store.layers.linksDir, info.link))) problems.push(`layer ${l}: link l/${info.link} missing`);
  }
  return problems;
}

/** Files left by killed writers (ingest/, layers/.tmp-*); GC removes them. */
export function leftovers(store: ImageStore): string[] {
  const out: string[] = [];
  if (fs.existsSync(store.content.ingestDir)) out.push(...fs.readdirSync(store.content.ingestDir).map((n) => path.join(store.content.ingestDir, n)));
  out.push(...store.layers.stale());
  return out;
}

export type { Digest };

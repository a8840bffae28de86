import path from 'node:path';
import { dumpXattrs } from '../sys/xattr.js';
import { isWhiteout, lstatOrUndef, sortedNames } from './fsEntries.js';
import type { ImageStore } from './ImageStore.js';
import type { Snapshotter } from './Snapshotter.js';

/** Docker's change kinds: 0 modified (C), 1 added (A), 2 deleted (D). */
export type ChangeKind = 0 | 1 | 2;
export interface Change {
  Path: string;
  Kind: ChangeKind;
}
export const CHANGE_LETTER = ['C', 'A', 'D'] as const;

/** One lower layer for lookups: its dir and the directories it marks opaque. */
export interface Lower {
  dir: string;
  opaque: Set<string>;
}

export function lowersOf(store: ImageStore, layers: string[]): Lower[] {
  return [...layers].reverse().map((l) => {
    const info = store.layers.info(l as `sha256:${string}`);
    return { dir: store.layers.diffDir(l as `sha256:${string}`), opaque: new Set(info?.opaque ?? []) };
  });
}

/** Does `rel` (no leading slash) exist in the merged view of `lowers` (top first)? */
export function lowerHas(lowers: Lower[], rel: string): boolean {
  const comps = rel.split('/');
  for (const l of lowers) {
    let blocked = false;
    for (let i = 1; i <= comps.length; i++) {
      const st = lstatOrUndef(path.join(l.dir, ...comps.slice(0, i)));
      if (!st) break;
      if (isWhiteout(st)) return false;
      if (i === comps.length) return true;
      if (!st.isDirectory()) return false;
      if (l.opaque.has(comps.slice(0, i).join('/'))) blocked = true;
    }
    if (blocked || l.opaque.has('')) return false;
  }
  return false;
}

/** Names a merged dir has in the lowers (for deletions under an opaque upper dir). */
function lowerNames(lowers: Lower[], rel: string): string[] {
  const names = new Set<string>();
  for (const l of lowers) {
    const st = lstatOrUndef(path.join(l.dir, rel));
    if (st?.isDirectory()) for (const n of sortedNames(path.join(l.dir, rel))) names.add(n);
  }
  return [...names].filter((n) => lowerHas(lowers, rel ? `${rel}/${n}` : n));
}

/**
 * Mount points the runtime creates in every container (Docker keeps them in an "init"
 * layer, so `docker diff` never shows them): hidden while they are empty files that the
 * image does not have.
 */
export const RUNTIME_MOUNTPOINTS = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

/** Drop runtime mount points, and directories changed only because of them. */
function hideMountpoints(changes: Change[], upper: string): Change[] {
  const hidden = new Set(changes.filter((c) => c.Kind === 1 && RUNTIME_MOUNTPOINTS.includes(c.Path) && lstatOrUndef(path.join(upper, c.Path))?.size === 0).map((c) => c.Path));
  if (hidden.size === 0) return changes;
  const kept = changes.filter((c) => !hidden.has(c.Path));
  const parents = new Set([...hidden].map((p) => path.posix.dirname(p)));
  return kept.filter((c) => !(c.Kind === 0 && parents.has(c.Path) && !kept.some((o) => o.Path.startsWith(`${c.Path}/`))));
}

/** `berth diff`: changes recorded in a snapshot's upper dir, sorted by path. */
export function diffSnapshot(store: ImageStore, snaps: Snapshotter, key: string): Change[] {
  const info = snaps.info(key);
  const upper = snaps.upperDir(key);
  const lowers = lowersOf(store, info.layers);
  const opaque = new Set<string>();
  for (const [p, attrs] of dumpXattrs(upper, '^trusted\\.overlay\\.opaque$')) {
    if (attrs.get('trusted.overlay.opaque')?.toString() === 'y') opaque.add(path.relative(upper, p));
  }
  const out: Change[] = [];
  const walk = (rel: string) => {
    const seen = new Set<string>();
    for (const n of sortedNames(path.join(upper, rel))) {
      const r = rel ? `${rel}/${n}` : n;
      seen.add(n);
      const st = lstatOrUndef(path.join(upper, r))!;
      if (isWhiteout(st)) {
        if (lowerHas(lowers, r)) out.push({ Path: `/${r}`, Kind: 2 });
        continue;
      }
      out.push({ Path: `/${r}`, Kind: lowerHas(lowers, r) ? 0 : 1 });
      if (st.isDirectory()) walk(r);
    }
    if (opaque.has(rel)) for (const n of lowerNames(lowers, rel)) if (!seen.has(n)) out.push({ Path: `/${rel ? `${rel}/` : ''}${n}`, Kind: 2 });
  };
  walk('');
  return hideMountpoints(out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0)), upper);
}

/** `ps -s`: bytes in the container's writable layer (the snapshot's upper dir). */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord } from './types.js';

export function dirBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    const st = fs.lstatSync(p);
    total += st.isDirectory() ? dirBytes(p) : st.size;
  }
  return total;
}

/** Decimal sizes as Docker prints them: 1.5kB, 12.3MB. */
export function human(n: number): string {
  const u = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < u.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : Number(v.toPrecision(3))}${u[i]}`;
}

export function containerSize(store: ContainerStore, rec: ContainerRecord): string {
  return `${human(dirBytes(path.join(store.root, 'snapshots', rec.SnapshotKey, 'upper')))} (virtual)`;
}

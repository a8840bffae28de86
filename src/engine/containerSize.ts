/** `ps -s`: bytes in the container's writable layer (the snapshot's upper dir). */
import fs from 'node:fs';
import path from 'node:path';
import { ImageStore } from '../image/ImageStore.js';
import { Snapshotter } from '../image/Snapshotter.js';
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

/** `ps -s`'s SIZE: the writable layer, and with the image's layers (Docker's SizeRw and SizeRootFs). */
export function containerSizes(store: ContainerStore, rec: ContainerRecord, images: ImageStore): { rw: number; rootFs: number } {
  const rw = dirBytes(new Snapshotter(images).upperDir(rec.SnapshotKey));
  let image = 0;
  try {
    image = images.resolve(rec.Image).size;
  } catch { /* the image is gone: its layers count for nothing here */ }
  return { rw, rootFs: rw + image };
}

/** Docker's `2B (virtual 4.26MB)`. */
export function containerSize(store: ContainerStore, rec: ContainerRecord, images = new ImageStore(store.root)): string {
  const s = containerSizes(store, rec, images);
  return `${human(s.rw)} (virtual ${human(s.rootFs)})`;
}

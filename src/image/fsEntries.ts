import fs from 'node:fs';
import { newEntry, type TarEntry } from './tar/TarEntry.js';

/** An overlayfs whiteout: a character device 0/0. */
export function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

export function devMajor(rdev: number): number {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}

export function devMinor(rdev: number): number {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}

/** A tar entry describing `abs` (named `name` in the archive). */
export function entryFromStat(name: string, abs: string, st: fs.Stats, xattrs?: Map<string, Buffer>): TarEntry {
  const base = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), xattrs: xattrs ?? new Map() };
  if (st.isDirectory()) return newEntry({ ...base, type: 'dir' });
  if (st.isSymbolicLink()) return newEntry({ ...base, type: 'symlink', linkname: fs.readlinkSync(abs) });
  if (st.isFile()) return newEntry({ ...base, type: 'file', size: st.size });
  if (st.isFIFO()) return newEntry({ ...base, type: 'fifo' });
  const type = st.isCharacterDevice() ? 'char' : 'block';
  return newEntry({ ...base, type, devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) });
}

export function lstatOrUndef(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Names in a directory, sorted bytewise like Docker's archive order. */
export function sortedNames(dir: string): string[] {
  return fs.readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** User-visible xattrs (overlay's private ones dropped). */
export function visibleXattrs(m: Map<string, Buffer> | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of m ?? []) if (!k.startsWith('trusted.overlay.')) out.set(k, v);
  return out;
}

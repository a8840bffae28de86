import fs from 'node:fs';
import path from 'node:path';
import { entryFromStat, isWhiteout, lstatOrUndef, sortedNames, visibleXattrs } from './fsEntries.js';
import { newEntry } from './tar/TarEntry.js';
import type { TarWriter } from './tar/TarWriter.js';

/** A source dir for a merged walk: top first; `opaque` dirs stop lookups into lower sources. */
export interface TreeSource {
  dir: string;
  opaque: Set<string>;
  xattrs: Map<string, Map<string, Buffer>>;
  /** The owners to write for this source's files (a --userns container's upper dir: host ids -> its own). */
  owners?: (uid: number, gid: number) => { uid: number; gid: number };
}

async function* fileChunks(file: string): AsyncGenerator<Buffer> {
  yield* fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
}

class LinkTracker {
  private seen = new Map<string, string>();
  /** The first archive name of a multiply-linked file, or undefined (and remember this one). */
  check(st: fs.Stats, name: string): string | undefined {
    if (st.isDirectory() || st.nlink < 2) return undefined;
    const k = `${st.dev}:${st.ino}`;
    const first = this.seen.get(k);
    if (!first) this.seen.set(k, name);
    return first;
  }
}

async function emit(w: TarWriter, links: LinkTracker, src: TreeSource, rel: string, abs: string, st: fs.Stats): Promise<void> {
  const xa = visibleXattrs(src.xattrs.get(abs));
  const first = links.check(st, rel);
  const own = src.owners ? src.owners(st.uid, st.gid) : { uid: st.uid, gid: st.gid };
  if (first) return w.add(newEntry({ name: rel, type: 'link', linkname: first, mode: st.mode & 0o7777, ...own, mtime: Math.floor(st.mtimeMs / 1000) }));
  const e = { ...entryFromStat(rel, abs, st, xa), ...own };
  return w.add(e, e.type === 'file' ? fileChunks(abs) : undefined);
}

/**
 * Write one upper dir as an OCI layer: overlay whiteouts become `.wh.<name>`, opaque dirs
 * get a `.wh..wh..opq` entry. Binary xattrs are kept (overlay's trusted.overlay.* dropped).
 */
export async function upperToTar(src: TreeSource, w: TarWriter, exclude = new Set<string>()): Promise<void> {
  const links = new LinkTracker();
  const walk = async (rel: string): Promise<void> => {
    for (const n of sortedNames(path.join(src.dir, rel))) {
      const r = rel ? `${rel}/${n}` : n;
      if (exclude.has(r)) continue;
      const abs = path.join(src.dir, r);
      const st = fs.lstatSync(abs);
      if (isWhiteout(st)) {
        await w.add(newEntry({ name: rel ? `${rel}/.wh.${n}` : `.wh.${n}`, type: 'file', mode: 0o600, mtime: Math.floor(st.mtimeMs / 1000) }), Buffer.alloc(0));
        continue;
      }
      await emit(w, links, src, r, abs, st);
      if (st.isDirectory()) {
        if (src.opaque.has(r)) await w.add(newEntry({ name: `${r}/.wh..wh..opq`, type: 'file', mode: 0o600, mtime: Math.floor(st.mtimeMs / 1000) }), Buffer.alloc(0));
        await walk(r);
      }
    }
  };
  await walk('');
}

/**
 * Write the merged view of `sources` (top first) as a plain tar, the way the container
 * sees its root: whiteouts hide, opaque dirs cut lower sources, upper entries win.
 */
export async function mergedToTar(sources: TreeSource[], w: TarWriter): Promise<void> {
  const links = new LinkTracker();
  const walk = async (rel: string, srcs: TreeSource[]): Promise<void> => {
    const found = new Map<string, number>();
    const hidden = new Set<string>();
    for (let i = 0; i < srcs.length; i++) {
      const d = path.join(srcs[i].dir, rel);
      const st = lstatOrUndef(d);
      if (!st?.isDirectory()) break;
      for (const n of fs.readdirSync(d)) {
        if (found.has(n) || hidden.has(n)) continue;
        if (isWhiteout(fs.lstatSync(path.join(d, n)))) hidden.add(n);
        else found.set(n, i);
      }
      if (srcs[i].opaque.has(rel)) break;
    }
    const names = [...found.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) {
      const i = found.get(n)!;
      const r = rel ? `${rel}/${n}` : n;
      const abs = path.join(srcs[i].dir, r);
      const st = fs.lstatSync(abs);
      await emit(w, links, srcs[i], r, abs, st);
      if (!st.isDirectory()) continue;
      const below: TreeSource[] = [srcs[i]];
      if (!srcs[i].opaque.has(r)) {
        for (const s of srcs.slice(i + 1)) {
          const ls = lstatOrUndef(path.join(s.dir, r));
          if (!ls) continue;
          if (!ls.isDirectory()) break;
          below.push(s);
          if (s.opaque.has(r)) break;
        }
      }
      await walk(r, below);
    }
  };
  await walk('', sources);
}

/**
 * COPY/ADD without a container: a snapshot of the step image is opened by the helper (its
 * overlay, mounted for itself) and each source travels as a tar — tar-out from the build
 * context or another image's root, renamed, owners and modes set here, into tar-in at `/`
 * of that overlay in `in-root` mode: every destination path is resolved by the kernel
 * inside the image (openat2 RESOLVE_IN_ROOT), so the image's own symlinks can never lead a
 * write out of it. The snapshot's upper dir becomes the layer.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { copyTar } from '../engine/copyStream.js';
import { snapshotLayer } from '../image/commitSnapshot.js';
import type { Digest } from '../image/digest.js';
import type { ImageStore } from '../image/ImageStore.js';
import { Snapshotter } from '../image/Snapshotter.js';
import { newEntry, type TarEntry } from '../image/tar/TarEntry.js';
import { TarParser } from '../image/tar/TarParser.js';
import { END_OF_ARCHIVE, encodeHeader, padFor } from '../image/tar/TarWriter.js';
import { statInRoot, tarIn, tarOut, type FsRoot, type FsStream } from '../sys/rootFs.js';

/** One thing to copy: a path in a root (the context, another image), or bytes made here (heredoc, URL, archive). */
export type CopySource =
  | { kind: 'tree'; root: FsRoot; path: string; name: string; isDir: boolean; skip?: (name: string) => boolean; at?: string }
  | { kind: 'bytes'; name: string; body: Buffer; mode: number; mtime: number }
  | { kind: 'archive'; stream: () => Readable }
  | { kind: 'file'; name: string; file: string; size: number; mode: number; mtime: number };

export interface CopyPlan {
  sources: CopySource[];
  /** Absolute destination in the image. */
  dest: string;
  /** The destination is a directory (ends with `/`, or several sources). */
  destIsDir: boolean;
  owner?: { uid: number; gid: number };
  chmod?: number;
  /** What the destination is, when known beforehand (`--link` copies into an empty snapshot but decides by the real image). */
  destType?: string | null;
  /** SOURCE_DATE_EPOCH: layer timestamps clamped to it. */
  mtimeMax?: number;
}

/** Open a snapshot of `imageId` for the copy; the caller removes it. */
export async function withSnapshot<T>(images: ImageStore, imageId: string, fn: (key: string, root: FsRoot) => Promise<T>, writable = true): Promise<T> {
  const key = `build-${crypto.randomBytes(8).toString('hex')}`;
  await images.prepareSnapshot(key, imageId);
  try {
    return await fn(key, { overlay: new Snapshotter(images).viewOptions(key, writable) });
  } finally {
    images.removeSnapshot(key);
  }
}

const rel = (abs: string) => abs.replace(/^\/+/, '').replace(/\/+$/, '');

/** Where a source lands: Docker's rules (into a directory dest under its name; a directory's contents, not itself). */
function targetOf(p: CopyPlan, s: CopySource, destType: string | undefined): { base: string; top: boolean } {
  const d = rel(p.dest);
  if (s.kind === 'archive') return { base: d, top: false };
  // --parents: below the destination at its path from the root (or the pivot), a directory as itself.
  if (s.kind === 'tree' && s.at !== undefined) return { base: s.at ? join(d, s.at) : d, top: !!s.at };
  const isDir = s.kind === 'tree' && s.isDir;
  if (isDir) return { base: d, top: destType !== 'dir' && d !== '' };
  if (p.destIsDir || destType === 'dir') return { base: d ? `${d}/${s.name}` : s.name, top: true };
  return { base: d, top: true };
}

export async function copyStep(images: ImageStore, imageId: string, plan: CopyPlan): Promise<{ digest: Digest; size: number }> {
  return withSnapshot(images, imageId, async (key, root) => {
    const destType = plan.destType !== undefined ? plan.destType ?? undefined : statInRoot(root, true, [plan.dest])[0];
    for (const s of plan.sources) {
      const t = targetOf(plan, s, destType);
      const fix = (e: TarEntry, name: string): TarEntry => {
        const out: TarEntry = { ...e, name, linkname: e.type === 'link' ? join(t.base, e.linkname) : e.linkname };
        const own = plan.owner ?? (s.kind === 'archive' ? undefined : { uid: 0, gid: 0 });
        if (own) Object.assign(out, own);
        if (plan.chmod !== undefined && e.type !== 'symlink') out.mode = plan.chmod;
        return out;
      };
      const rename = (e: TarEntry): TarEntry | undefined => {
        const n = e.name.replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
        if (n === '.') return t.top && t.base ? fix(e, t.base) : undefined;
        if (s.kind === 'tree' && s.skip?.(n)) return undefined;
        return fix(e, join(t.base, n));
      };
      const into = tarIn(root, '/', 'in-root');
      if (s.kind === 'tree') await pump(tarOut(s.root, s.path, true), rename, into);
      else if (s.kind === 'bytes') await pump(Readable.from([tarOf(newEntry({ name: '.', type: 'file', mode: s.mode, size: s.body.length, mtime: s.mtime }), s.body)]), rename, into);
      else if (s.kind === 'file') await pump(Readable.from(fileTar(s)), rename, into);
      else await pump(s.stream(), (e) => (e.name.replace(/^(\.\/)+/, '').replace(/\/+$/, '') === '.' || e.name === '' ? undefined : fix(e, join(t.base, e.name.replace(/^(\.\/|\/)+/, '')))), into);
    }
    return images.lease(async () => {
      const { blob, staged } = await snapshotLayer(images, new Snapshotter(images), key, undefined, [], plan.mtimeMax);
      images.layers.commit(staged);
      return blob;
    });
  });
}

function join(base: string, n: string): string {
  return base ? `${base}/${n}` : n;
}

/** A host file (an ADD download) as a one-entry tar, streamed. */
async function* fileTar(s: Extract<CopySource, { kind: 'file' }>): AsyncGenerator<Buffer> {
  yield encodeHeader(newEntry({ name: '.', type: 'file', mode: s.mode, size: s.size, mtime: s.mtime }));
  let n = 0;
  for await (const c of fs.createReadStream(s.file)) {
    n += (c as Buffer).length;
    if (n > s.size) throw new Error(`${s.file} grew while it was copied`);
    yield c as Buffer;
  }
  if (n !== s.size) throw new Error(`${s.file} shrank while it was copied`);
  yield Buffer.concat([padFor(s.size), END_OF_ARCHIVE]);
}

function tarOf(e: TarEntry, body: Buffer): Buffer {
  return Buffer.concat([encodeHeader(e), body, padFor(body.length), END_OF_ARCHIVE]);
}

/** from -> entries renamed/filtered by `map` -> to. */
async function pump(from: FsStream<Readable> | Readable, map: (e: TarEntry) => TarEntry | undefined, to: FsStream<Writable>): Promise<void> {
  await copyTar(from, undefined, { stream: transformed(map, to.stream), done: to.done, pid: to.pid } as FsStream<Writable>);
}

/** A writable that parses a tar, rewrites its entries and writes the result to `out`. */
function transformed(map: (e: TarEntry) => TarEntry | undefined, out: Writable): Writable {
  let cur: TarEntry | undefined;
  const parser = new TarParser({
    entry(e) {
      cur = map(e);
      if (cur) out.write(encodeHeader(cur));
    },
    data(chunk) {
      if (cur) out.write(Buffer.from(chunk));
    },
    entryEnd() {
      if (cur?.type === 'file') out.write(padFor(cur.size));
    },
  });
  out.on('error', () => undefined); // the helper's exit status says why
  return new Writable({
    write(chunk: Buffer, _e, cb) {
      try {
        parser.write(chunk);
      } catch (e) {
        cb(e as Error);
        return;
      }
      if (out.writableNeedDrain) out.once('drain', () => cb());
      else cb();
    },
    final(cb) {
      try {
        parser.end();
      } catch (e) {
        cb(e as Error);
        return;
      }
      out.end(END_OF_ARCHIVE, () => cb());
    },
  });
}

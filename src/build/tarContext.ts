/**
 * A build context sent as a tar (plain, gzip or zstd) on stdin, unpacked as it streams into a
 * fresh directory (never held in memory whole). The archive is hostile: every name goes
 * through the image tar reader's checks (no NUL, no absolute path, no `..`), no entry is
 * written through a symlink an earlier entry made (each parent is lstat'ed and must be a real
 * directory; files are created O_NOFOLLOW), hard links must name a regular file already in
 * the context, and devices and fifos are left out. Symlinks themselves are kept as they are:
 * the context resolves them inside itself (./buildContext.ts), as it does for a directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument } from '../errors.js';
import { decompressor, detectCompression } from '../image/decompress.js';
import type { TarEntry } from '../image/tar/TarEntry.js';
import { isTarHeader, TarParser } from '../image/tar/TarParser.js';
import { entryComponents } from '../image/unsafePath.js';

/** What stdin holds: a context archive (its compression) or, failing that, a Dockerfile. */
export function stdinKind(head: Buffer): 'gzip' | 'zstd' | 'tar' | 'dockerfile' {
  const c = detectCompression(head);
  if (c !== 'none') return c;
  return head.length >= 512 && isTarHeader(head) ? 'tar' : 'dockerfile';
}

const unsafe = (name: string, why: string) => invalidArgument(`build context: refusing tar entry ${JSON.stringify(name)}: ${why}`, { exitCode: 1, code: 'build.context' });

/** The entries of a tar written into `dir` (empty, made by the caller) with the checks above. */
class ContextWriter {
  private fd?: number;
  private cur?: { abs: string; e: TarEntry };
  private dirs: { abs: string; e: TarEntry }[] = [];

  constructor(private readonly dir: string) {}

  /** The entry's parent directories, made where missing; none may be a symlink or a non-directory. */
  private parent(comps: string[], name: string): string {
    let p = this.dir;
    for (const c of comps.slice(0, -1)) {
      p = path.join(p, c);
      const st = lstat(p);
      if (!st) fs.mkdirSync(p, { mode: 0o755 });
      else if (st.isSymbolicLink()) throw unsafe(name, `its parent ${JSON.stringify(path.relative(this.dir, p))} is a symlink`);
      else if (!st.isDirectory()) throw unsafe(name, `its parent ${JSON.stringify(path.relative(this.dir, p))} is not a directory`);
    }
    return path.join(p, comps[comps.length - 1]);
  }

  entry(e: TarEntry): void {
    const comps = entryComponents(e.name);
    if (comps.length === 0) return;
    if (e.type === 'char' || e.type === 'block' || e.type === 'fifo') return;
    const abs = this.parent(comps, e.name);
    const old = lstat(abs);
    if (old && !(old.isDirectory() && e.type === 'dir')) fs.rmSync(abs, { recursive: true, force: true });
    const mode = e.mode & 0o7777;
    if (e.type === 'dir') {
      if (!old?.isDirectory()) fs.mkdirSync(abs, { mode: 0o755 });
      this.dirs.push({ abs, e });
    } else if (e.type === 'symlink') {
      if (e.linkname.includes('\0')) throw unsafe(e.name, 'link target contains NUL');
      fs.symlinkSync(e.linkname, abs);
      fs.lutimesSync(abs, e.mtime, e.mtime);
    } else if (e.type === 'link') {
      const tc = entryComponents(e.linkname, e.name);
      let t = this.dir;
      for (const c of tc) {
        t = path.join(t, c);
        if (lstat(t)?.isSymbolicLink()) throw unsafe(e.name, 'hard link through a symlink');
      }
      if (!lstat(t)?.isFile()) throw unsafe(e.name, `hard link to ${JSON.stringify(e.linkname)}, which is not a regular file in the archive`);
      fs.linkSync(t, abs);
    } else {
      this.fd = fs.openSync(abs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
      this.cur = { abs, e: { ...e, mode } };
    }
  }

  data(chunk: Buffer): void {
    if (this.fd !== undefined) for (let off = 0; off < chunk.length;) off += fs.writeSync(this.fd, chunk, off);
  }

  entryEnd(): void {
    if (this.fd === undefined || !this.cur) return;
    fs.fchmodSync(this.fd, this.cur.e.mode);
    fs.futimesSync(this.fd, this.cur.e.mtime, this.cur.e.mtime);
    fs.closeSync(this.fd);
    this.fd = undefined;
    this.cur = undefined;
  }

  /** Directory modes and times last (deepest first), once nothing more is written into them. */
  finish(): void {
    for (const d of this.dirs.sort((a, b) => b.abs.length - a.abs.length)) {
      fs.chmodSync(d.abs, d.e.mode & 0o7777);
      fs.utimesSync(d.abs, d.e.mtime, d.e.mtime);
    }
  }

  abort(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Unpack the context archive from `input` (whose first bytes, already read, are `head`) into
 * `dir`. A bad archive fails with one line naming the entry.
 */
export async function unpackContext(head: Buffer, input: Readable, dir: string): Promise<void> {
  const kind = stdinKind(head);
  const w = new ContextWriter(dir);
  const parser = new TarParser(w);
  const feed = (c: Buffer) => parser.write(c);
  try {
    if (kind === 'tar') {
      feed(head);
      for await (const c of input) feed(c as Buffer);
    } else {
      const d = decompressor(kind === 'dockerfile' ? 'none' : kind);
      const done = (async () => { for await (const c of d) feed(c as Buffer); })();
      d.write(head);
      input.pipe(d);
      await done;
    }
    parser.end();
    w.finish();
  } catch (e) {
    w.abort();
    const m = (e as Error).message;
    if ((e as { code?: string }).code === 'build.context') throw e;
    throw invalidArgument(`build context: ${m.startsWith('refusing') || m.startsWith('tar') ? m : `not a valid tar archive: ${m}`}`, { exitCode: 1, code: 'build.context' });
  }
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

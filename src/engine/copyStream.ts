/**
 * The tar stream of a `cp` on its way between the helper's tar-out and tar-in
 * (src/sys/rootFs.ts): entries renamed to where the copy lands, owners mapped
 * (./copyOwners.ts), and — for a tar bound for the host — anything hostile refused before
 * it reaches the extractor: names with `..`, absolute names, names outside the copy's top
 * entry, entries below a symlink the stream itself made, hard links, devices and fifos.
 * (The extractor refuses those too: on the host it follows no symlink at all.)
 */
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { invalidArgument, isBerthError, type BerthError } from '../errors.js';
import type { TarEntry } from '../image/tar/TarEntry.js';
import { TarParser } from '../image/tar/TarParser.js';
import { END_OF_ARCHIVE, encodeHeader, padFor } from '../image/tar/TarWriter.js';
import type { FsStream } from '../sys/rootFs.js';
import type { OwnerMap } from './copyOwners.js';

export interface Rewrite {
  /** The new name of an entry (undefined: leave it out). */
  rename: (name: string) => string | undefined;
  owners: OwnerMap;
  /** The tar goes to the host: refuse hostile entries (see above); names must be `top` or below it. */
  host?: { top: string };
  /** An archive without entries is an error (a user's `cp - CONTAINER:DEST`). */
  nonEmpty?: boolean;
}

/** tar-out names its top entry `.`: this gives it (and so everything below it) the name `top`; `.` keeps the names. */
export function underTop(top: string): (name: string) => string {
  return (n) => (top === '.' ? n : n === '.' ? top : `${top}/${n}`);
}

/** `SRC/.`: the directory's contents without the directory itself. */
export const withoutTop = (n: string): string | undefined => (n === '.' ? undefined : n);

function clean(name: string): string {
  return name.replace(/\/+$/, '').replace(/^(\.\/)+(?=.)/, '') || (name.startsWith('/') ? '/' : '.');
}

function refuse(name: string, why: string): BerthError {
  return invalidArgument(`cp: refusing archive entry ${JSON.stringify(name)}: ${why}`, { code: 'cp.unsafe' });
}

/** Checks one entry bound for the host; `links` holds the symlinks made so far by this stream. */
export function checkHostEntry(e: TarEntry, top: string, links: Set<string>): void {
  const n = e.name;
  if (n.includes('\0')) throw refuse(n, 'name contains NUL');
  if (n.startsWith('/')) throw refuse(n, 'absolute path');
  const comps = n.split('/').filter((c) => c !== '' && c !== '.');
  if (comps.includes('..')) throw refuse(n, 'path contains ".."');
  const topComps = top.split('/').filter((c) => c !== '' && c !== '.');
  if (topComps.some((c, i) => comps[i] !== c)) throw refuse(n, `outside ${JSON.stringify(top)}`);
  for (let i = 1; i < comps.length; i++) if (links.has(comps.slice(0, i).join('/'))) throw refuse(n, 'below a symlink in the same archive');
  if (e.type === 'link') throw refuse(n, 'hard link');
  if (e.type === 'char' || e.type === 'block' || e.type === 'fifo') throw refuse(n, 'device or fifo');
  const key = comps.join('/');
  if (e.type === 'symlink') links.add(key);
  else links.delete(key);
}

/** The rewriting transform: tar in, tar out (ustar + pax as src/image/tar/TarWriter.ts writes it). */
export function rewriteTar(r: Rewrite): (src: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* rewrite(src) {
    const out: Buffer[] = [];
    const links = new Set<string>();
    let cur: TarEntry | undefined;
    let entries = 0;
    const parser = new TarParser({
      entry(e) {
        const name = r.rename(clean(e.name));
        cur = name === undefined ? undefined : { ...e, name, ...r.owners(e.uid, e.gid) };
        if (!cur) return;
        if (r.host) checkHostEntry(cur, r.host.top, links);
        entries++;
        out.push(encodeHeader(cur));
      },
      data(chunk) {
        if (cur) out.push(Buffer.from(chunk));
      },
      entryEnd() {
        if (cur?.type === 'file') out.push(padFor(cur.size));
      },
    });
    for await (const chunk of src) {
      parser.write(chunk);
      if (out.length) yield Buffer.concat(out.splice(0));
    }
    parser.end();
    if (r.nonEmpty && entries === 0) throw invalidArgument('cp: the tar stream is empty');
    out.push(END_OF_ARCHIVE);
    yield Buffer.concat(out.splice(0));
  };
}

/**
 * `from` through `rewrite` into `to`, each end a helper process or a plain stream. The error
 * reported is the cause, not its echo: a refused entry first, then a helper's own failure
 * (a tar-out killed by SIGPIPE only saw its reader go), then the pipe's.
 */
export async function copyTar(from: FsStream<Readable> | Readable, rewrite: Rewrite | undefined, to: FsStream<Writable> | Writable): Promise<void> {
  const src = 'done' in from ? from : undefined;
  const dst = 'done' in to ? to : undefined;
  let refused: unknown;
  const stages = async function* (s: AsyncIterable<Buffer>) {
    try {
      yield* rewrite ? rewriteTar(rewrite)(s) : s;
    } catch (e) {
      if (isBerthError(e) && e.code === 'cp.unsafe') refused = e;
      throw e;
    }
  };
  const piped = pipeline(src ? src.stream : (from as Readable), stages, dst ? dst.stream : (to as Writable));
  const [p, a, b] = await Promise.allSettled([piped, src?.done, dst?.done]);
  if (refused) throw refused;
  if (a.status === 'rejected' && !(isBerthError(a.reason) && a.reason.code === 'fs.pipe')) throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  if (p.status === 'rejected') throw p.reason;
  if (a.status === 'rejected') throw a.reason;
}

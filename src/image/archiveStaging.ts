import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../errors.js';
import { giveBack } from './chunkPool.js';
import { detectCompression, decompressor } from './decompress.js';
import type { Digest } from './digest.js';
import { LayerFeed } from './LayerFeed.js';
import type { LayerStore, StagedLayer } from './LayerStore.js';
import type { TarEntry } from './tar/TarEntry.js';
import { isTarHeader, TarParser, type TarHandler } from './tar/TarParser.js';
import { entryComponents, joinInside } from './unsafePath.js';
import { ioProfile, now } from './unpackProfile.js';

/** One regular file of an archive, written to the staging dir with its digest. */
export interface StagedFile {
  file: string;
  digest: Digest;
  size: number;
  /** On disk (set once the loader has synced the staging dir; else committing it fsyncs it). */
  synced?: boolean;
}

/** A layer (tar, or gzip/zstd tar) unpacked while it streamed by (verified later against diff_ids). */
interface Speculation {
  head: Buffer[];
  headLen: number;
  staged?: StagedLayer;
  feed?: LayerFeed;
  failed?: boolean;
}

const LAYERISH = /(^|\/)layer\.tar$|^blobs\/sha256\/[a-f0-9]{64}$/;

/**
 * An image archive (docker-archive or oci-archive, optionally compressed) unpacked into
 * a staging dir under ingest/: every regular file is written once and hashed on the way,
 * so layers can later be renamed into blobs/ without copying. With a LayerStore, each file
 * that looks like a layer is also unpacked as it streams by (in worker threads when it is
 * big, several layers at once), so loading reads every byte once.
 */
export class ArchiveStaging implements TarHandler {
  readonly files = new Map<string, StagedFile>();
  private links = new Map<string, string>();
  private n = 0;
  private fd?: number;
  private hash?: crypto.Hash;
  private cur?: { rel: string; file: string; size: number };
  private spec?: Speculation;
  private syncs: Promise<void>[] = [];
  private readonly prof = ioProfile();
  /** Layers unpacked on the fly, by digest of their blob (compressed or not); info.diffId says what they hold. */
  readonly unpacked = new Map<Digest, StagedLayer>();

  /** With `layers`, layer blobs are unpacked while they stream (one pass, no re-read). */
  constructor(readonly dir: string, private readonly layers?: LayerStore) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private specData(chunk: Buffer): void {
    const sp = this.spec!;
    if (sp.failed) return;
    if (sp.feed) return sp.feed.push(chunk);
    sp.head.push(Buffer.from(chunk));
    sp.headLen += chunk.length;
    if (sp.headLen < 512) return;
    const head = Buffer.concat(sp.head);
    sp.head = [];
    if (detectCompression(head) === 'none' && !isTarHeader(head)) {
      sp.failed = true;
      return;
    }
    sp.staged = this.layers!.begin();
    sp.feed = new LayerFeed(path.join(sp.staged.dir, 'diff'));
    sp.feed.push(head, true);
  }

  /** Drop a speculation (a bad layer is reported later, when it is unpacked for real). */
  private specFail(sp: Speculation): void {
    if (sp.failed && !sp.feed) return;
    sp.failed = true;
    const { feed, staged } = sp;
    sp.feed = undefined;
    if (!feed) return;
    this.syncs.push(feed.abort().then(() => this.layers!.discard(staged!)));
  }

  private specEnd(sp: Speculation, blob: StagedFile): void {
    if (sp.failed || !sp.feed) return;
    const { feed, staged } = sp;
    sp.feed = undefined;
    this.syncs.push(feed.finish().then((r) => {
      staged!.info = { diffId: r.diffId ?? blob.digest, size: r.size, tarSize: r.tarSize, link: '', opaque: r.opaque };
      this.unpacked.set(blob.digest, staged!);
    }, () => this.layers!.discard(staged!)));
  }

  /** Resolves when the layer being unpacked can take more (bounds what is in flight). */
  async ready(): Promise<void> {
    const sp = this.spec;
    if (!sp?.feed) return;
    try {
      await sp.feed.ready();
    } catch {
      this.specFail(sp);
    }
  }

  /** Wait for the layers still unpacking. */
  async synced(): Promise<void> {
    await Promise.all(this.syncs);
  }

  /** Remove layers unpacked on the fly that were not used. */
  discardUnpacked(): void {
    for (const s of this.unpacked.values()) this.layers!.discard(s);
    this.unpacked.clear();
  }

  entry(e: TarEntry): void {
    const rel = entryComponents(e.name).join('/');
    if (e.type === 'symlink' || e.type === 'link') {
      const target = e.type === 'link' ? entryComponents(e.linkname, e.name) : joinInside(rel.split('/').slice(0, -1), e.linkname);
      if (!target || e.linkname.startsWith('/') && e.type === 'symlink') throw invalidArgument(`archive entry ${JSON.stringify(e.name)}: link points outside the archive`);
      this.links.set(rel, target.join('/'));
      return;
    }
    if (e.type !== 'file') return;
    const file = path.join(this.dir, String(this.n++));
    this.fd = fs.openSync(file, 'wx', 0o644);
    this.hash = crypto.createHash('sha256');
    this.cur = { rel, file, size: 0 };
    if (this.layers && e.size >= 1024 && LAYERISH.test(rel)) this.spec = { head: [], headLen: 0 };
  }

  data(chunk: Buffer): void {
    const p = this.prof;
    let t = p ? now() : 0;
    this.hash!.update(chunk);
    if (p) t = p.add('sha256', t);
    this.cur!.size += chunk.length;
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd!, chunk, off, chunk.length - off);
    if (p) t = p.add('write', t);
    if (this.spec) this.specData(chunk);
    p?.add('handoff', t);
  }

  entryEnd(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    const c = this.cur!;
    const f: StagedFile = { file: c.file, size: c.size, digest: `sha256:${this.hash!.digest('hex')}` };
    this.files.set(c.rel, f);
    if (this.spec) this.specEnd(this.spec, f);
    this.spec = undefined;
    // not synced here: the loader syncs the whole staging dir with its layers (one syncfs)
    fs.closeSync(fd);
  }

  abort(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.spec) this.specFail(this.spec);
    this.spec = undefined;
  }

  /** Look up an archive path (following the archive's own links). */
  get(p: string): StagedFile | undefined {
    let rel = p.split('/').filter((c) => c && c !== '.').join('/');
    for (let i = 0; i < 16 && !this.files.has(rel) && this.links.has(rel); i++) rel = this.links.get(rel)!;
    return this.files.get(rel);
  }

  read(p: string): Buffer | undefined {
    const f = this.get(p);
    return f ? fs.readFileSync(f.file) : undefined;
  }

  remove(): void {
    if (this.layers) this.discardUnpacked();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Decompress a stream if it starts with a gzip/zstd magic. */
async function* maybeDecompress(src: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = src[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const head = typeof first.value === 'string' ? Buffer.from(first.value) : first.value;
  const rest = async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
  };
  const c = detectCompression(head);
  if (c === 'none') {
    yield* rest();
    return;
  }
  const d = decompressor(c);
  pipeline(Readable.from(rest()), d).catch((e: Error) => d.destroy(e));
  yield* d as AsyncIterable<Buffer>;
}

/** Stage an archive stream; throws a one-line error for a non-tar or truncated input. */
export async function stageArchive(src: AsyncIterable<Buffer | string>, dir: string, layers?: LayerStore): Promise<ArchiveStaging> {
  const st = new ArchiveStaging(dir, layers);
  const p = new TarParser(st);
  try {
    for await (const chunk of maybeDecompress(src)) {
      if (p.done) continue;
      p.write(chunk);
      await st.ready();
      // parsed, hashed, written and copied where it goes: a pooled chunk's memory is read into again
      giveBack(chunk);
    }
    p.end();
    await st.synced();
  } catch (e) {
    st.abort();
    await st.synced();
    st.remove();
    const z = (e as { code?: string }).code;
    if (typeof z === 'string' && z.startsWith('Z_')) throw invalidArgument(`invalid archive: corrupt or truncated compressed data (${(e as Error).message})`);
    throw e;
  }
  return st;
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { fsyncDir, writeJsonAtomic } from '../sys/atomicWrite.js';
import { syncFilesystems } from '../sys/syncfs.js';
import { hexOf, type Digest } from './digest.js';
import { unpackLayer, unpackLayerStream, type StreamUnpackResult, type UnpackOptions } from './unpackLayer.js';
import { ioProfile, now } from './unpackProfile.js';

/** `layers/<hex>/layer.json`: what berth knows about an extracted layer. */
export interface LayerInfo {
  diffId: Digest;
  /** Sum of regular file sizes in the layer. */
  size: number;
  /** The short link name under `l/` (used in overlay lowerdir). */
  link: string;
  /** Bytes of the uncompressed tar (the size of `layer.tar` in a docker-archive). */
  tarSize: number;
  /** Directories this layer marks opaque ('' = the root). */
  opaque: string[];
}

/** A layer extracted to a temp dir, not yet visible in the store. */
export interface StagedLayer {
  dir: string;
  info: LayerInfo;
  /** Its files are on disk (`sync()` ran after it was written). */
  synced?: boolean;
}

/**
 * Extracted layers, each once, shared by every image and container: `layers/<diff_id hex>/`
 * holds `diff/` (the tree, whiteouts in overlay form) and `layer.json`. `l/<short>` is a
 * symlink to `../layers/<hex>/diff`, so overlay's lowerdir list stays short.
 */
export class LayerStore {
  readonly dir: string;
  readonly linksDir: string;

  constructor(readonly root: string) {
    this.dir = path.join(root, 'layers');
    this.linksDir = path.join(root, 'l');
  }

  init(): this {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.mkdirSync(this.linksDir, { recursive: true });
    return this;
  }

  layerDir(diffId: Digest): string {
    return path.join(this.dir, hexOf(diffId));
  }

  diffDir(diffId: Digest): string {
    return path.join(this.layerDir(diffId), 'diff');
  }

  has(diffId: Digest): boolean {
    return fs.existsSync(path.join(this.layerDir(diffId), 'layer.json'));
  }

  info(diffId: Digest): LayerInfo | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.layerDir(diffId), 'layer.json'), 'utf8')) as LayerInfo;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  list(): Digest[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs.readdirSync(this.dir).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((h) => `sha256:${h}` as Digest);
  }

  /** A fresh temp dir (with an empty `diff/`) for a layer being unpacked. */
  begin(): StagedLayer {
    const dir = path.join(this.dir, `.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    fs.mkdirSync(path.join(dir, 'diff'), { recursive: true });
    return { dir, info: { diffId: 'sha256:', size: 0, tarSize: 0, link: '', opaque: [] } };
  }

  /** Unpack a blob into a temp dir under layers/ (verifying `expected`); nothing is visible yet. */
  async stage(blobFile: string, what: string, expected?: Digest): Promise<StagedLayer> {
    const { dir } = this.begin();
    try {
      const r = await unpackLayer(blobFile, path.join(dir, 'diff'), what, expected);
      const info: LayerInfo = { diffId: r.diffId, size: r.size, tarSize: r.tarSize, link: '', opaque: r.opaque };
      return { dir, info };
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * `stage` for bytes that arrive (a download, stdin): one pass hashes the input, unpacks it
   * and, with `o.blobFile`, writes the blob too. The result says the blob's digest and size.
   */
  async stageStream(src: AsyncIterable<Buffer | string>, what: string, expected?: Digest, o: UnpackOptions = {}): Promise<StagedLayer & { unpacked: StreamUnpackResult }> {
    const { dir } = this.begin();
    try {
      const r = await unpackLayerStream(src, path.join(dir, 'diff'), what, expected, o);
      return { dir, info: { diffId: r.diffId, size: r.size, tarSize: r.tarSize, link: '', opaque: r.opaque }, unpacked: r };
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Put staged layers on disk with one syncfs (and the filesystems of `alsoPaths`, e.g. the
   * blobs written alongside) instead of an fsync per file; `commit` then only renames.
   */
  sync(staged: StagedLayer[], alsoPaths: string[] = []): void {
    const todo = staged.filter((s) => !s.synced);
    if (todo.length === 0 && alsoPaths.length === 0) return;
    const p = ioProfile();
    const t0 = p ? now() : 0;
    syncFilesystems([...todo.map((s) => s.dir), ...alsoPaths]);
    for (const s of todo) s.synced = true;
    p?.add('sync', t0);
  }

  /** Make a staged layer visible (or drop it if the layer already exists); syncs it first if needed. */
  commit(s: StagedLayer): LayerInfo {
    const target = this.layerDir(s.info.diffId);
    if (this.has(s.info.diffId)) {
      fs.rmSync(s.dir, { recursive: true, force: true });
      return this.info(s.info.diffId)!;
    }
    this.sync([s]);
    const p = ioProfile();
    const t0 = p ? now() : 0;
    fs.rmSync(target, { recursive: true, force: true });
    s.info.link = this.makeLink(s.info.diffId);
    writeJsonAtomic(path.join(s.dir, 'layer.json'), s.info);
    fs.renameSync(s.dir, target);
    fsyncDir(this.dir);
    p?.add('publish', t0);
    return s.info;
  }

  discard(s: StagedLayer): void {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }

  /** A short, unique symlink name under l/ pointing at the layer's diff dir. */
  private makeLink(diffId: Digest): string {
    const hex = hexOf(diffId);
    const want = `../layers/${hex}/diff`;
    for (let n = 10; n <= 64; n += 2) {
      const name = hex.slice(0, n);
      const p = path.join(this.linksDir, name);
      try {
        fs.symlinkSync(want, p);
        return name;
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
        if (fs.readlinkSync(p) === want) return name;
      }
    }
    throw new Error(`no free link name for layer ${diffId}`);
  }

  /** Remove an extracted layer: its link, then the dir (renamed away first so it vanishes at once). */
  remove(diffId: Digest): void {
    const info = this.info(diffId);
    if (info?.link) fs.rmSync(path.join(this.linksDir, info.link), { force: true });
    const dir = this.layerDir(diffId);
    if (!fs.existsSync(dir)) return;
    const trash = path.join(this.dir, `.tmp-rm-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    fs.renameSync(dir, trash);
    fs.rmSync(trash, { recursive: true, force: true });
  }

  /** Leftovers of killed unpackers (`.tmp-*`), removed by GC. */
  stale(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs.readdirSync(this.dir).filter((n) => n.startsWith('.tmp-')).map((n) => path.join(this.dir, n));
  }
}

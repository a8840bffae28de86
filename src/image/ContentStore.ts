import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, invalidArgument, notFound } from '../errors.js';
import { atomicWriteFileSync, fsyncDir } from '../sys/atomicWrite.js';
import { hexOf, isDigest, type Digest } from './digest.js';
import { crashPoint } from './crashPoint.js';
import { tryLock, unlock, withLockSync } from './lock.js';
import type { ImageIndex } from './manifest.js';
import { MT } from './mediaTypes.js';

/**
 * Content-addressed blobs in OCI image-layout form (`oci-layout`, `index.json`,
 * `blobs/sha256/<hex>`), readable by skopeo/umoci as `oci:<dir>`. Blobs are written under
 * `ingest/`, verified (size, sha256), fsynced and renamed in: a half blob is never visible.
 */
export class ContentStore {
  readonly blobsDir: string;
  readonly ingestDir: string;
  readonly indexFile: string;

  constructor(readonly dir: string) {
    this.blobsDir = path.join(dir, 'blobs', 'sha256');
    this.ingestDir = path.join(dir, 'ingest');
    this.indexFile = path.join(dir, 'index.json');
  }

  /** Create the layout if it is missing (idempotent). */
  init(): this {
    fs.mkdirSync(this.blobsDir, { recursive: true });
    fs.mkdirSync(this.ingestDir, { recursive: true });
    const layout = path.join(this.dir, 'oci-layout');
    if (!fs.existsSync(layout)) atomicWriteFileSync(layout, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    if (!fs.existsSync(this.indexFile)) {
      withLockSync(this.lockFile, () => {
        if (!fs.existsSync(this.indexFile)) atomicWriteFileSync(this.indexFile, JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] }));
      });
    }
    return this;
  }

  get lockFile(): string {
    return path.join(this.dir, 'index.json.lock');
  }

  path(d: Digest): string {
    return path.join(this.blobsDir, hexOf(d));
  }

  has(d: Digest): boolean {
    return fs.existsSync(this.path(d));
  }

  size(d: Digest): number {
    return fs.statSync(this.path(d)).size;
  }

  read(d: Digest, what = d): Buffer {
    try {
      return fs.readFileSync(this.path(d));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw notFound(`blob ${what} not found in the store`);
      throw e;
    }
  }

  /** A fresh path under ingest/ for a staged write. */
  ingestPath(tag = 'blob'): string {
    return path.join(this.ingestDir, `${tag}-${process.pid}-${crypto.randomBytes(8).toString('hex')}`);
  }

  /**
   * The ingest file of a blob fetched over the network, named by the digest it must have and
   * held under a lock, so that a writer that was killed leaves bytes the next one continues
   * from (a dead owner's lock is broken). Undefined when a live writer holds it.
   */
  claimPartial(d: Digest): { file: string; release: () => void } | undefined {
    const file = path.join(this.ingestDir, `partial-${hexOf(d)}`);
    const lock = `${file}.lock`;
    if (!tryLock(lock) && !tryLock(lock)) return undefined;
    return { file, release: () => unlock(lock) };
  }

  /**
   * Move a fully written, already hashed ingest file into blobs/ after fsync (skipped when
   * the caller already synced it); "already exists" is success.
   */
  commitFile(tmp: string, digest: Digest, size: number, synced = false): void {
    const st = fs.statSync(tmp);
    if (st.size !== size) throw invalidArgument(`blob ${digest}: size ${st.size}, expected ${size}`);
    if (!synced) {
      const fd = fs.openSync(tmp, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    if (this.has(digest)) {
      fs.rmSync(tmp, { force: true });
      return;
    }
    crashPoint('blob:before-rename');
    fs.renameSync(tmp, this.path(digest));
    fsyncDir(this.blobsDir);
  }

  /** Write a small blob (manifest, config) from memory. */
  putBuffer(buf: Uint8Array, expected?: Digest): { digest: Digest; size: number } {
    const digest: Digest = `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;
    if (expected && expected !== digest) throw invalidArgument(`blob digest mismatch: got ${digest}, expected ${expected}`);
    if (!this.has(digest)) {
      const tmp = this.ingestPath();
      fs.writeFileSync(tmp, buf);
      this.commitFile(tmp, digest, buf.length);
    }
    return { digest, size: buf.length };
  }

  /** Hash a file in a stream (for verification). */
  static async hashFile(file: string): Promise<{ digest: Digest; size: number }> {
    const h = crypto.createHash('sha256');
    let size = 0;
    for await (const c of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
      h.update(c as Buffer);
      size += (c as Buffer).length;
    }
    return { digest: `sha256:${h.digest('hex')}`, size };
  }

  list(): Digest[] {
    if (!fs.existsSync(this.blobsDir)) return [];
    return fs.readdirSync(this.blobsDir).map((h) => `sha256:${h}` as Digest).filter(isDigest);
  }

  remove(d: Digest): void {
    fs.rmSync(this.path(d), { force: true });
  }

  readIndex(): ImageIndex {
    try {
      const idx = JSON.parse(fs.readFileSync(this.indexFile, 'utf8')) as ImageIndex;
      if (!Array.isArray(idx.manifests)) idx.manifests = [];
      return idx;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] };
      throw e;
    }
  }

  /** Read-modify-write index.json under the store lock; the write is atomic. */
  updateIndex<T>(fn: (idx: ImageIndex) => T): T {
    return withLockSync(this.lockFile, () => {
      const idx = this.readIndex();
      const r = fn(idx);
      atomicWriteFileSync(this.indexFile, JSON.stringify(idx));
      return r;
    });
  }
}

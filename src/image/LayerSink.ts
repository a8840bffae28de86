import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import type { Digest } from './digest.js';
import { detectCompression, type Compression } from './decompress.js';
import { LayerApplier, type ApplyResult } from './LayerApplier.js';
import { TarParser } from './tar/TarParser.js';
import { ioProfile, now, type IoProfile } from './unpackProfile.js';

/** What a sink made of a layer's bytes. */
export interface SinkResult extends ApplyResult {
  compression: Compression;
  /** sha256 of the uncompressed tar; only computed for compressed input (else the caller's blob digest is it). */
  diffId?: Digest;
  /** Bytes of the uncompressed tar stream. */
  tarSize: number;
}

/**
 * Where a layer's bytes (compressed or not) go to be unpacked: in this thread (`LocalSink`) or
 * in a worker (`RemoteSink`). `write` queues and returns at once; callers await `drained()` to
 * keep what is in flight bounded; `end()` gives the result or the first error.
 */
export interface Sink {
  /** Queue `chunk`; with `owned` the sink may take its memory (the caller no longer reads it). */
  write(chunk: Buffer, owned?: boolean): void;
  drained(): Promise<void>;
  end(): Promise<SinkResult>;
  /** Stop after an error elsewhere; closes files; resolves when nothing writes into dest any more. */
  abort(): Promise<void>;
}

/**
 * The blob's bytes also go to this file (opened by the sink, written at their offsets), from
 * stream offset `from` on (bytes before it are already there: a resumed download). The
 * unpacker writes them, so a worker takes that work off the thread receiving them.
 */
export interface BlobCopy {
  file: string;
  from: number;
}

const APPLY_PHASES = ['paths', 'create', 'write', 'meta'] as const;

/**
 * Unpacks in the calling thread, one pass: bytes -> decompress (zlib in the thread pool, or
 * fzstd inline) -> sha256 of the tar (for compressed input) -> tar parser -> applier
 * (synchronous file system calls, no per-entry round trip through the event loop).
 */
export class LocalSink implements Sink {
  private readonly applier: LayerApplier;
  private readonly parser: TarParser;
  private readonly prof: IoProfile | undefined = ioProfile();
  private head: Buffer[] = [];
  private headLen = 0;
  private compression?: Compression;
  private hash?: crypto.Hash;
  private tarSize = 0;
  private gunzip?: zlib.Gunzip;
  private zstd?: Decompress;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private failure: unknown;
  private done = false;
  private blobFd?: number;
  private blobAt = 0;

  constructor(dest: string, private readonly blob?: BlobCopy) {
    this.applier = new LayerApplier(dest);
    this.parser = new TarParser(this.applier);
    if (blob) this.blobFd = fs.openSync(blob.file, fs.constants.O_WRONLY);
  }

  /** Copy the stream's bytes past `blob.from` into the blob file, at their offsets. */
  private copyBlob(chunk: Buffer): void {
    const at = this.blobAt;
    this.blobAt += chunk.length;
    if (this.blobFd === undefined || this.blobAt <= this.blob!.from) return;
    const skip = Math.max(0, this.blob!.from - at);
    for (let off = skip; off < chunk.length; ) off += fs.writeSync(this.blobFd, chunk, off, chunk.length - off, at + off);
  }

  private closeBlob(): void {
    if (this.blobFd === undefined) return;
    const fd = this.blobFd;
    this.blobFd = undefined;
    fs.closeSync(fd);
  }

  write(chunk: Buffer): void {
    if (this.failure !== undefined || this.done) return;
    try {
      this.copyBlob(chunk);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (this.compression === undefined) {
      this.head.push(Buffer.from(chunk)); // a copy: the caller may reuse chunk once drained
      this.headLen += chunk.length;
      if (this.headLen < 4) return;
      this.start();
      return;
    }
    this.feed(chunk);
  }

  private start(): void {
    const head = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head);
    this.head = [];
    this.compression = detectCompression(head);
    if (this.compression !== 'none') this.hash = crypto.createHash('sha256');
    if (this.compression === 'gzip') {
      this.gunzip = zlib.createGunzip({ chunkSize: 256 << 10 });
      this.gunzip.on('data', (b: Buffer) => this.tar(b));
      this.gunzip.on('error', (e) => this.fail(e));
    } else if (this.compression === 'zstd') {
      this.zstd = new Decompress((b) => this.tar(Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
    }
    this.feed(head);
  }

  private feed(chunk: Buffer): void {
    if (this.gunzip) {
      this.pending++;
      this.gunzip.write(chunk, () => {
        this.pending--;
        this.wake();
      });
    } else if (this.zstd) {
      const t0 = this.prof ? now() : 0;
      try {
        // fzstd keeps pieces of its input between pushes: give it its own copy
        this.zstd.push(new Uint8Array(chunk));
      } catch (e) {
        this.fail(e);
      }
      this.prof?.add('decompress', t0);
    } else this.tar(chunk);
  }

  /** Uncompressed tar bytes: hash (when compressed) and parse, applying as we go. */
  private tar(b: Buffer): void {
    if (this.failure !== undefined) return;
    const p = this.prof;
    let t = p ? now() : 0;
    this.tarSize += b.length;
    if (this.hash) {
      this.hash.update(b);
      if (p) t = p.add('sha256', t);
    }
    try {
      if (!p) this.parser.write(b);
      else {
        const applied = () => APPLY_PHASES.reduce((a, k) => a + (p.ms[k] ?? 0), 0);
        const a0 = applied();
        try {
          this.parser.write(b);
        } finally {
          p.add('parse', t + applied() - a0);
        }
      }
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e ?? new Error('unpack failed');
    this.gunzip?.destroy();
    this.applier.abort();
    this.wake();
  }

  private wake(): void {
    if (this.pending > 0 && this.failure === undefined) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  drained(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending === 0) return Promise.resolve();
    return new Promise<void>((res, rej) => this.waiters.push(() => (this.failure !== undefined ? rej(this.failure) : res())));
  }

  async end(): Promise<SinkResult> {
    try {
      return await this.endUnpack();
    } finally {
      this.closeBlob();
    }
  }

  private async endUnpack(): Promise<SinkResult> {
    if (this.compression === undefined && this.failure === undefined) {
      if (this.headLen === 0) this.compression = 'none';
      else this.start();
    }
    if (this.gunzip && this.failure === undefined) {
      const gz = this.gunzip;
      await new Promise<void>((res) => {
        gz.once('end', res);
        gz.once('close', res);
        gz.end();
        gz.resume();
      });
    } else if (this.zstd && this.failure === undefined) {
      try {
        this.zstd.push(new Uint8Array(0), true);
      } catch (e) {
        this.fail(e);
      }
    }
    this.done = true;
    if (this.failure !== undefined) throw this.failure;
    try {
      this.parser.end();
      const r = this.applier.finish();
      return { ...r, compression: this.compression!, tarSize: this.tarSize, diffId: this.hash ? `sha256:${this.hash.digest('hex')}` : undefined };
    } catch (e) {
      this.applier.abort();
      throw e;
    }
  }

  async abort(): Promise<void> {
    this.fail(new Error('aborted'));
    this.closeBlob();
  }
}

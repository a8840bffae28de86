import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlobCopy, Sink, SinkResult } from './LayerSink.js';
import { CHUNK, recycle, takeFree } from './chunkPool.js';
import { ioProfile } from './unpackProfile.js';
import { deserializeError, type WorkerReply, type WorkerRequest } from './workerProtocol.js';

/** Bytes sent to a worker and not yet consumed there, before `drained()` makes the sender wait. */
const IN_FLIGHT = 2 << 20;
/** Size of the buffers copied chunks are gathered into before they are sent. */
const COALESCE = CHUNK;
/** Copied bytes wait at most this long for their 1 MB buffer to fill before they are sent. */
const PENDING_MS = 20;
/** Workers at most (each ~10 MB of heap): layers beyond that wait for one to be free. */
const MAX_WORKERS = Math.max(1, Math.min(4, os.availableParallelism()));
/** An idle worker is ended after this long. */
const IDLE_MS = 30_000;

interface Pooled {
  w: Worker;
  onReply?: (m: WorkerReply) => void;
  onCrash?: (e: Error) => void;
  idle?: NodeJS.Timeout;
  /** Exited, crashed or told to stop: never handed a layer again. */
  dead?: boolean;
}

const idle: Pooled[] = [];
const waiting: ((p: Pooled) => void)[] = [];
let live = 0;
let jobs = 0;
function spawn(): Pooled {
  // a small young generation: a worker's garbage is per-entry strings, a big one only costs RSS
  const w = new Worker(new URL('./unpackWorker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  const p: Pooled = { w };
  live++;
  w.on('message', (m: WorkerReply) => {
    if (m.t === 'free') recycle(m.buf);
    p.onReply?.(m);
  });
  let exited = false;
  const gone = (e: Error) => {
    if (exited) return;
    exited = true;
    p.dead = true;
    live--;
    const i = idle.indexOf(p);
    if (i >= 0) idle.splice(i, 1);
    p.onCrash?.(e);
    p.onCrash = p.onReply = undefined;
    // a layer waiting for a worker gets a new one in its place
    const next = live < MAX_WORKERS ? waiting.shift() : undefined;
    if (next) next(spawn());
  };
  w.on('error', gone);
  w.on('exit', (code) => gone(new Error(`unpack worker exited (${code})`)));
  return p;
}

function acquire(): Promise<Pooled> {
  const p = idle.pop();
  if (p) {
    clearTimeout(p.idle);
    p.w.ref();
    return Promise.resolve(p);
  }
  if (live < MAX_WORKERS) return Promise.resolve(spawn());
  return new Promise((res) => waiting.push(res));
}

function release(p: Pooled): void {
  p.onReply = p.onCrash = undefined;
  if (p.dead) return;
  const next = waiting.shift();
  if (next) return next(p);
  p.w.unref();
  p.idle = setTimeout(() => {
    // out of the pool before it is told to stop: its 'exit' comes later, and a layer handed
    // to it in between failed with "unpack worker exited (1)"
    const i = idle.indexOf(p);
    if (i >= 0) idle.splice(i, 1);
    p.dead = true;
    void p.w.terminate();
  }, IDLE_MS).unref();
  idle.push(p);
}

/**
 * A layer unpacked by a pooled worker thread (so the file system calls of several layers,
 * and of one layer against the reading and hashing here, run at once). Chunks are copied
 * into fresh buffers and transferred (or transferred as they are, when the caller owns them).
 */
export class RemoteSink implements Sink {
  private inflight = 0;
  /** Sizes of the chunks sent and not yet handed back. */
  private sent: number[] = [];
  private waiters: (() => void)[] = [];
  private failure?: Error;
  private result?: Promise<SinkResult>;
  private settle!: { res: (r: SinkResult) => void; rej: (e: Error) => void };
  private finished = false;
  private readonly job = ++jobs;
  /** Copied chunks not yet sent. */
  private pend?: Uint8Array;
  private pendLen = 0;
  private pendTimer?: NodeJS.Timeout;

  private constructor(private readonly p: Pooled, dest: string, blob?: BlobCopy) {
    this.result = new Promise<SinkResult>((res, rej) => (this.settle = { res, rej }));
    this.result.catch(() => {});
    p.onReply = (m) => this.onReply(m);
    p.onCrash = (e) => this.finish(e);
    this.post({ t: 'start', job: this.job, dest, profile: ioProfile() !== undefined, blob });
  }

  /** A sink on a worker from the pool (waits while all are busy). */
  static async open(dest: string, blob?: BlobCopy): Promise<RemoteSink> {
    return new RemoteSink(await acquire(), dest, blob);
  }

  private post(m: WorkerRequest, transfer?: ArrayBuffer[]): void {
    this.p.w.postMessage(m, transfer);
  }

  private onReply(m: WorkerReply): void {
    if (m.job !== this.job) return;
    if (m.t === 'free') {
      // a chunk consumed (its memory came back with the message): room for more
      this.inflight -= this.sent.shift() ?? 0;
      if (this.inflight <= IN_FLIGHT) this.wake();
    } else if (m.t === 'done') {
      ioProfile()?.merge(m.prof);
      this.finish(undefined, m.result);
    } else if (m.t === 'error') {
      ioProfile()?.merge(m.prof);
      this.finish(deserializeError(m.error));
    }
  }

  private finish(e?: Error, r?: SinkResult): void {
    if (this.finished) return;
    this.finished = true;
    if (e) this.failure ??= e;
    release(this.p);
    if (r && !this.failure) this.settle.res(r);
    else this.settle.rej(this.failure ?? new Error('unpack failed'));
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Queue `chunk`; with `owned`, its whole ArrayBuffer is handed over (and detached here).
   * Other chunks are copied into 1 MB buffers, sent when full (one message per MB, however
   * small the chunks a socket gives).
   */
  write(chunk: Buffer, owned = false): void {
    if (this.failure || this.finished || chunk.length === 0) return;
    if (owned && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer) {
      this.flush();
      return this.send(chunk.buffer);
    }
    for (let off = 0; off < chunk.length;) {
      if (!this.pend) {
        this.pend = new Uint8Array(takeFree() ?? new ArrayBuffer(COALESCE));
        // a source that goes quiet (a stalled download) still has what it sent reach the worker
        this.pendTimer = setTimeout(() => this.flush(), PENDING_MS).unref();
      }
      const k = Math.min(chunk.length - off, COALESCE - this.pendLen);
      this.pend.set(chunk.subarray(off, off + k), this.pendLen);
      this.pendLen += k;
      off += k;
      if (this.pendLen === COALESCE) this.flush();
    }
  }

  private flush(): void {
    clearTimeout(this.pendTimer);
    this.pendTimer = undefined;
    if (this.failure || this.finished) return;
    if (!this.pend || this.pendLen === 0) return;
    const b = this.pendLen === COALESCE ? this.pend.buffer : this.pend.slice(0, this.pendLen).buffer;
    this.pend = undefined;
    this.pendLen = 0;
    this.send(b as ArrayBuffer);
  }

  private send(buf: ArrayBuffer): void {
    this.inflight += buf.byteLength;
    this.sent.push(buf.byteLength);
    this.post({ t: 'data', job: this.job, buf }, [buf]);
  }

  async drained(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.inflight <= IN_FLIGHT || this.finished) return;
      await new Promise<void>((res) => this.waiters.push(res));
    }
  }

  end(): Promise<SinkResult> {
    if (!this.finished && !this.failure) this.flush();
    if (!this.finished) this.post({ t: 'end', job: this.job });
    return this.result!;
  }

  /** Resolves once the worker has stopped writing into dest. */
  async abort(): Promise<void> {
    this.failure ??= new Error('aborted');
    clearTimeout(this.pendTimer);
    this.pend = undefined;
    if (!this.finished) this.post({ t: 'abort', job: this.job });
    await this.result!.catch(() => {});
  }
}

import { LocalSink, type BlobCopy, type Sink, type SinkResult } from './LayerSink.js';
import { RemoteSink } from './RemoteSink.js';

/** Where a layer is unpacked: in a worker thread, here, or decided by its size. */
export type UnpackThread = 'auto' | 'worker' | 'inline';

/** Layers smaller than this are unpacked in the calling thread (a worker costs ~30 ms to start). */
export const INLINE_MAX = 4 << 20;

/**
 * The front of a layer unpack: buffers the first bytes, then hands them and the rest to a
 * sink, in this thread when the layer turns out small (or `inline`), else in a worker.
 * `push` never blocks; await `ready()` after each push to bound what is in flight.
 */
export class LayerFeed {
  private sink?: Sink;
  private head: Buffer[] = [];
  private headLen = 0;
  private starting?: Promise<void>;

  /** With `blob`, the sink also writes the bytes into that file (see BlobCopy). */
  constructor(private readonly dest: string, private readonly thread: UnpackThread = 'auto', private readonly blob?: BlobCopy) {}

  /** With `owned`, the feed may keep or transfer `chunk`'s memory instead of copying. */
  push(chunk: Buffer, owned = false): void {
    if (chunk.length === 0) return;
    if (this.sink) return this.sink.write(chunk, owned);
    // told to unpack here: nothing to decide, so no bytes wait in the head (a blob copy is written as they come)
    if (this.thread === 'inline' && !this.starting) {
      this.attach(new LocalSink(this.dest, this.blob));
      return this.sink!.write(chunk, owned);
    }
    this.head.push(owned ? chunk : Buffer.from(chunk));
    this.headLen += chunk.length;
    if (!this.starting && this.thread !== 'inline' && (this.thread === 'worker' || this.headLen >= INLINE_MAX)) {
      this.starting = RemoteSink.open(this.dest, this.blob).then((s) => this.attach(s));
    }
  }

  private attach(s: Sink): void {
    for (const h of this.head) s.write(h, true);
    this.head = [];
    this.sink = s;
  }

  async ready(): Promise<void> {
    if (this.starting) await this.starting;
    if (this.sink) await this.sink.drained();
  }

  async finish(): Promise<SinkResult> {
    if (this.starting) await this.starting;
    else if (!this.sink) this.attach(new LocalSink(this.dest, this.blob));
    return this.sink!.end();
  }

  /** Stop; resolves when nothing writes into dest any more. */
  async abort(): Promise<void> {
    if (this.starting) await this.starting.catch(() => {});
    this.head = [];
    await this.sink?.abort();
  }
}

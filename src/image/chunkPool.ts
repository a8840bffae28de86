import fs from 'node:fs';

/** The size of the buffers layer bytes are read into and sent to the unpack workers in. */
export const CHUNK = 1 << 20;
/** Buffers kept for reuse at most. */
const FREE_MAX = 8;

/** 1 MB buffers handed back (by the workers, or by a reader's consumer) for the next read. */
const free: ArrayBuffer[] = [];
/**
 * Chunks `readFileChunks` gave away: nothing else refers to them, so a consumer may transfer
 * their memory to a worker instead of copying (`RemoteSink`), or hand it back (`giveBack`).
 */
const given = new WeakSet<Buffer>();

/**
 * A fresh 1 MB buffer for layer bytes, from the buffers given back when there is one: a
 * stream of a gigabyte goes through the same few megabytes instead of faulting in new
 * pages for every read and leaving each worker's heap full of transferred chunks its
 * garbage collector has not yet found.
 */
export function chunkBuffer(): Buffer {
  return Buffer.from(takeFree() ?? new ArrayBuffer(CHUNK));
}

export function takeFree(): ArrayBuffer | undefined {
  return free.pop();
}

/** Keep `b` for the next `chunkBuffer()` (only whole 1 MB buffers that nothing refers to). */
export function recycle(b: ArrayBuffer): void {
  if (b.byteLength === CHUNK && free.length < FREE_MAX && !free.includes(b)) free.push(b);
}

/** True when `b` came from `readFileChunks` and its memory may be taken over. */
export function isGiven(b: Buffer): boolean {
  return given.has(b);
}

/**
 * The consumer of a `readFileChunks` chunk is done with it and keeps no view of it:
 * its memory is reused for a later read. Other buffers are left alone.
 */
export function giveBack(b: Buffer | string): void {
  if (typeof b === 'string' || !given.has(b)) return;
  given.delete(b);
  recycle(b.buffer as ArrayBuffer);
}

/**
 * A file in 1 MB chunks read into pooled buffers (as `fs.createReadStream` reads it, without
 * a new allocation per read): each chunk is the consumer's (`isGiven`), to transfer or give back.
 */
export async function* readFileChunks(file: string): AsyncGenerator<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    for (;;) {
      const b = chunkBuffer();
      const { bytesRead } = await fh.read(b, 0, CHUNK, null);
      if (bytesRead === 0) {
        recycle(b.buffer as ArrayBuffer);
        return;
      }
      const c = bytesRead === CHUNK ? b : b.subarray(0, bytesRead);
      given.add(c);
      yield c;
    }
  } finally {
    await fh.close();
  }
}

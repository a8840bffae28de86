import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Digest } from './digest.js';

/** Copy a stream into `file`, hashing as it goes. */
export async function writeIngest(src: AsyncIterable<Buffer | string>, file: string): Promise<{ digest: Digest; size: number }> {
  const h = crypto.createHash('sha256');
  let size = 0;
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    for await (const c of src) {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      h.update(b);
      size += b.length;
      let off = 0;
      while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

import fs from 'node:fs';

/** The first `n` bytes of a file (fewer if it is shorter). */
export function readHead(file: string, n = 8): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, fs.readSync(fd, b, 0, n, 0));
  } finally {
    fs.closeSync(fd);
  }
}

import fs from 'node:fs';
import { failedPrecondition } from '../errors.js';

/**
 * Overwrite a file's content in place: a bind-mount source (a container's /etc/hosts,
 * /etc/resolv.conf), whose mount follows the inode, not the name. The last component is
 * never followed (O_NOFOLLOW), a FIFO or device is never opened for real (O_NONBLOCK, then
 * fstat: only a regular file is written), so nothing planted in its place is written through.
 */
export function writeFileInPlace(file: string, text: string, mode = 0o644): void {
  const c = fs.constants;
  const fd = fs.openSync(file, c.O_WRONLY | c.O_CREAT | c.O_NOFOLLOW | c.O_NONBLOCK, mode);
  try {
    if (!fs.fstatSync(fd).isFile()) throw failedPrecondition(`write ${file}: not a regular file`);
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, Buffer.from(text), 0, undefined, 0);
  } finally {
    fs.closeSync(fd);
  }
}

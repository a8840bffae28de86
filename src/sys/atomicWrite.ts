import fs from 'node:fs';
import path from 'node:path';

/**
 * Write a file so readers never see a half-written one: temp file in the same
 * directory, fsync, rename over, fsync the directory. `durable: false` skips the fsyncs:
 * for state that describes live processes only (a power loss ends those anyway).
 */
export function atomicWriteFileSync(file: string, data: string | Uint8Array, mode = 0o644, durable = true): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  if (durable) fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function writeJsonAtomic(file: string, value: unknown, durable = true): void {
  atomicWriteFileSync(file, JSON.stringify(value, null, 2) + '\n', 0o644, durable);
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/**
 * Create `file` holding `data` unless it exists, crash-safe and race-safe: the data goes to a
 * temp file (fsync'd), which is then hard-linked to the name, so the name appears only with
 * the whole content, and when two processes race, the first link wins and both return its
 * content. Returns what `file` holds.
 */
export function createFileOnce(file: string, data: string, mode = 0o644): string {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeSync(fd, Buffer.from(data));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
    fsyncDir(dir);
    return data;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

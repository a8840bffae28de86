import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { errnoCode, invalidArgument, notFound } from '../../errors.js';
import { readFileChunks } from '../../image/chunkPool.js';

/** An input stream: a file, or stdin (refused when it is a terminal). */
export function inputStream(file: string | undefined, what: string): AsyncIterable<Buffer> {
  if (file && file !== '-') {
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw notFound(`open ${file}: no such file or directory`);
      throw invalidArgument(`open ${file}: ${errnoCode(e) ?? (e as Error).message}`);
    }
    if (fs.statSync(file).isDirectory()) throw invalidArgument(`${file} is a directory, not a tar archive`);
    return readFileChunks(file);
  }
  if (process.stdin.isTTY) throw invalidArgument(`requested ${what} from stdin, but stdin is a terminal`, { hint: 'use -i/--input or a pipe' });
  return process.stdin as AsyncIterable<Buffer>;
}

/**
 * Write to `-o file` (via a temp file renamed into place when complete) or to stdout
 * (refused when it is a terminal, like Docker).
 */
export async function withOutput(file: string | undefined, fn: (out: Writable) => Promise<void>): Promise<void> {
  if (!file || file === '-') {
    if (process.stdout.isTTY) throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    return fn(process.stdout);
  }
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w', 0o644);
  } catch (e) {
    throw invalidArgument(`failed to save to ${file}: ${errnoCode(e) ?? (e as Error).message}`);
  }
  try {
    await fn(fs.createWriteStream('', { fd }));
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

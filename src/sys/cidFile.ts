/** `--cidfile FILE`: claimed (created empty, exclusively) before the container is, written with its full ID after. */
import fs from 'node:fs';
import { BerthError } from '../errors.js';

export interface CidFile { write(id: string): void; release(): void }

export function claimCidFile(file: string): CidFile {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BerthError('AlreadyExists', `Container ID file found, make sure the other container isn't running or delete ${file}`, { exitCode: 125 });
    throw new BerthError('InvalidArgument', `failed to create the container ID file: open ${file}: ${code ?? String(e)}`, { exitCode: 125 });
  }
  return {
    write(id) {
      try {
        fs.writeSync(fd, id);
      } finally {
        fs.closeSync(fd);
      }
    },
    release() {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    },
  };
}

/** `--label-file`: each file's text (missing: Docker's open error). */
export function readTextFiles(files: readonly string[]): { file: string; text: string }[] {
  return files.map((file) => {
    try {
      return { file, text: fs.readFileSync(file, 'utf8') };
    } catch (e) {
      throw new BerthError('NotFound', `open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, { exitCode: 125 });
    }
  });
}

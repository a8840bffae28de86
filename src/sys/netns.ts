/**
 * Persistent network namespaces, the way `ip netns add` makes them: a new netns bound
 * onto a file (nsfs bind mount), so it outlives every process in it. The engine gives a
 * bridged container one under `<root>/netns/<id>`; every (re)start of the init joins it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { errnoCode, internal, unavailable } from '../errors.js';

function run(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw unavailable(`${cmd}: ${r.error.message}`, { cause: r.error, hint: 'install util-linux (unshare, umount)' });
  return { ok: r.status === 0, err: (r.stderr || '').trim() };
}

/** Is `file` a bound namespace (an nsfs mount) rather than a plain file? */
export function isBoundNetns(file: string): boolean {
  try {
    const st = fs.statSync(file);
    const dir = fs.statSync(path.dirname(file));
    // A bind-mounted nsfs file lives on another device than its directory.
    return st.dev !== dir.dev;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/** Create (or keep) the persistent netns at `file`; returns the path. lo is left down. */
export function createNetns(file: string): string {
  if (isBoundNetns(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, '', { mode: 0o444 });
  const r = run('unshare', [`--net=${file}`, 'true']);
  if (!r.ok) {
    fs.rmSync(file, { force: true });
    throw internal(`create network namespace \`${file}\`: ${r.err || 'unshare failed'}`);
  }
  return file;
}

/** createNetns without blocking: the `unshare` process runs while the caller does other work. */
export function createNetnsAsync(file: string): Promise<string> {
  if (isBoundNetns(file)) return Promise.resolve(file);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, '', { mode: 0o444 });
  return new Promise((resolve, reject) => {
    const c = spawn('unshare', [`--net=${file}`, 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', (e) => reject(unavailable(`unshare: ${e.message}`, { cause: e, hint: 'install util-linux (unshare, umount)' })));
    c.on('close', (code) => {
      if (code === 0) return resolve(file);
      fs.rmSync(file, { force: true });
      reject(internal(`create network namespace \`${file}\`: ${err.trim() || 'unshare failed'}`));
    });
  });
}

/** Unmount and delete a persistent netns file; missing is fine. */
export function removeNetns(file: string): void {
  if (isBoundNetns(file)) {
    const r = run('umount', ['-l', file]);
    if (!r.ok && isBoundNetns(file)) throw internal(`remove network namespace \`${file}\`: ${r.err || 'umount failed'}`);
  }
  fs.rmSync(file, { force: true });
}

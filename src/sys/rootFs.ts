/**
 * Files inside a container's root through the helper's `fs` mode (native/src/fsops.c):
 * every path is resolved by the kernel inside the root (openat2 RESOLVE_IN_ROOT) and used
 * through the fds so found — never walked again as a string on the host, so a container
 * racing symlinks in cannot point a read or a write outside its root.
 * A root is a directory (`/proc/PID/root`, a volume's source) or a snapshot's overlay,
 * which the helper mounts for itself (detached, in a private mount namespace).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BerthError, failedPrecondition } from '../errors.js';
import { helperPath } from './paths.js';

/** A directory, or overlayfs mount options (read-only without `upperdir`). */
export type FsRoot = { dir: string } | { overlay: string };
export type FsType = 'dir' | 'file' | 'symlink' | 'other';
/** How tar-in resolves below its root: a container's view, or no symlinks at all (host destinations). */
export type ExtractMode = 'in-root' | 'beneath';

function fsArgs(root: FsRoot, op: string, rest: string[]): string[] {
  return 'dir' in root ? ['fs', op, root.dir, ...rest] : ['fs', '--overlay', root.overlay, op, '-', ...rest];
}

/** The helper's one-line error (`fs: OP `PATH`: strerror`). */
function helperFailure(op: string, stderr: string, status: number | null, signal: string | null): BerthError {
  const line = stderr.trim().split('\n')[0];
  const why = line || (signal ? `fs ${op}: killed by ${signal}` : `fs ${op}: exit ${status}`);
  return failedPrecondition(why.replace(/^fs: /, ''), { code: signal === 'SIGPIPE' ? 'fs.pipe' : `fs.${op}` });
}

function runSync(root: FsRoot, op: string, rest: string[]): Buffer {
  const r: SpawnSyncReturns<Buffer> = spawnSync(helperPath, fsArgs(root, op, rest), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.error) throw failedPrecondition(`cannot run the helper \`${helperPath}\`: ${r.error.message}`, { cause: r.error, hint: 'run `npm run build` to build native/' });
  if (r.status !== 0) throw helperFailure(op, r.stderr.toString(), r.status, r.signal);
  return r.stdout;
}

/** What each path is inside the root (undefined: missing), the last component followed with `follow`. */
export function statInRoot(root: FsRoot, follow: boolean, paths: string[]): (FsType | undefined)[] {
  const lines = runSync(root, 'stat', [follow ? 'follow' : 'nofollow', ...paths]).toString().split('\n');
  return paths.map((_, i) => (lines[i] === 'none' ? undefined : (lines[i] as FsType)));
}

/** Regular files inside the root (symlinks followed in it), as text; undefined when missing or not a regular file. */
export function readInRoot(root: FsRoot, paths: string[]): (string | undefined)[] {
  const out = runSync(root, 'read', paths);
  let off = 0;
  return paths.map(() => {
    const nl = out.indexOf(0x0a, off);
    const head = out.toString('latin1', off, nl);
    off = nl + 1;
    if (head === '-') return undefined;
    const n = Number(head);
    const s = out.toString('utf8', off, off + n);
    off += n;
    return s;
  });
}

export interface FsStream<S> {
  stream: S;
  /** Resolves when the helper exits 0; rejects with its error line. */
  done: Promise<void>;
  pid: number | undefined;
}

function start<S>(root: FsRoot, op: string, rest: string[], which: 'stdin' | 'stdout'): FsStream<S> {
  const child = spawn(helperPath, fsArgs(root, op, rest), { stdio: [which === 'stdin' ? 'pipe' : 'ignore', which === 'stdout' ? 'pipe' : 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => { if (err.length < 4096) err += d; });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(failedPrecondition(`cannot run the helper \`${helperPath}\`: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(helperFailure(op, err, code, signal))));
  });
  done.catch(() => undefined); // the caller decides which failure to report
  return { stream: (which === 'stdin' ? child.stdin : child.stdout) as S, done, pid: child.pid };
}

/** A tar of `p` (top entry `.`, then `a`, `a/b`...): regular files, directories and symlinks. */
export function tarOut(root: FsRoot, p: string, follow: boolean): FsStream<Readable> {
  return start<Readable>(root, 'tar-out', [p, follow ? 'follow' : 'nofollow'], 'stdout');
}

/** Extract the tar written to `stream` under `dest` (names relative to it; `.` is `dest`). */
export function tarIn(root: FsRoot, dest: string, mode: ExtractMode): FsStream<Writable> {
  return start<Writable>(root, 'tar-in', [dest, mode], 'stdin');
}

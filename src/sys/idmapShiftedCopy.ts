/**
 * The effects behind `--userns` rootfs ownership (policy: src/engine/userns.ts):
 * shifted copies of layer dirs, chowning a snapshot's upper/work dirs to the mapped
 * range, and adding berth's entries to /etc/subuid and /etc/subgid.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, internal } from '../errors.js';
import { fsyncDir } from './atomicWrite.js';
import { shiftedOwner, toContainer, type IdMapping } from './idMapping.js';
import { shiftOwnership } from './shiftOwnership.js';

/**
 * `dest` becomes a copy of `src` (cp -a: modes, xattrs, device nodes and whiteouts kept)
 * with every owner mapped to the host. Made under a temp name and renamed into place,
 * so a reader sees either nothing or the whole copy; an existing `dest` is kept.
 * The caller serialises makers of the same `dest` (a lock per range).
 */
export function shiftedLayerCopy(src: string, dest: string, uidMaps: readonly IdMapping[], gidMaps: readonly IdMapping[]): boolean {
  if (fs.existsSync(dest)) return false;
  const parent = path.dirname(dest);
  fs.mkdirSync(parent, { recursive: true, mode: 0o711 });
  const tmp = path.join(parent, `.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    execFileSync('cp', ['-a', '--no-target-directory', src, tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    shiftOwnership(tmp, uidMaps, gidMaps);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const msg = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr).trim() : String(e);
    throw internal(`shifted copy of layer ${src}: ${msg}`, { cause: e });
  }
  fsyncDir(parent);
  return true;
}

/**
 * Chown the entries of `dir` (a snapshot's upper or work dir) that are not owned by the
 * range yet to their mapped owner; entries already inside the range are left alone, so
 * this is safe to repeat on every start. With `below`, only ids under it are shifted
 * (a volume: ids another range gave it are kept). Symlinks are never followed.
 */
export function shiftUnshifted(dir: string, uidMaps: readonly IdMapping[], gidMaps: readonly IdMapping[], below = Infinity): number {
  let n = 0;
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    const want = shiftedOwner(st.uid, st.gid, uidMaps, gidMaps);
    const uid = toContainer(st.uid, uidMaps) !== undefined || st.uid >= below ? st.uid : want.uid;
    const gid = toContainer(st.gid, gidMaps) !== undefined || st.gid >= below ? st.gid : want.gid;
    if (uid !== st.uid || gid !== st.gid) {
      fs.lchownSync(p, uid, gid);
      if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) fs.chmodSync(p, st.mode & 0o7777);
      n++;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
  };
  visit(dir);
  return n;
}

/** Remove the shifted copies in `rangeDir` whose layer link is gone from `linksDir` (the layer was removed). */
export function pruneShiftedCopies(rangeDir: string, linksDir: string): string[] {
  if (!fs.existsSync(rangeDir)) return [];
  const gone = fs.readdirSync(rangeDir).filter((n) => n !== 'empty' && !n.startsWith('.') && !fs.existsSync(path.join(linksDir, n)));
  for (const n of gone) fs.rmSync(path.join(rangeDir, n), { recursive: true, force: true });
  return gone;
}

/** A file's text, '' when it does not exist. */
export function readOptional(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return '';
    throw e;
  }
}

/** Append a line to /etc/subuid-like `file` (created 0644 when missing), keeping a final newline before it. */
export function appendSubIdLine(file: string, line: string): void {
  const text = readOptional(file);
  const sep = text && !text.endsWith('\n') ? '\n' : '';
  const fd = fs.openSync(file, 'a', 0o644);
  try {
    fs.writeSync(fd, sep + line);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Add search (x) permission for others to `dir` so an unprivileged mapped root can walk through it. */
export function ensureTraversable(dir: string): void {
  const st = fs.statSync(dir);
  if ((st.mode & 0o001) === 0) fs.chmodSync(dir, (st.mode & 0o7777) | 0o001);
}

/** Whether `dir` is a mount point in berth's own mount namespace (/proc/self/mountinfo). */
export function isMountPoint(dir: string): boolean {
  const want = path.resolve(dir);
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => unescape(l.split(' ')[4] ?? '') === want);
}

/**
 * Mount an overlay on `target` from the host side (berth's own credentials), unless
 * something is mounted there already. A user-namespaced init cannot mount it itself:
 * before it becomes the mapped root its host uid has no mapping, and overlay refuses.
 */
export function mountOverlayOnHost(target: string, options: readonly string[]): void {
  if (isMountPoint(target)) return;
  try {
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', options.join(','), target], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const msg = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr).trim() : String(e);
    throw internal(`mount overlay on ${target}: ${msg}`, { cause: e });
  }
}

/** Unmount `target` (lazily, so a process still inside does not block rm) when it is a mount point. */
export function unmountIfMounted(target: string): void {
  if (!isMountPoint(target)) return;
  try {
    execFileSync('umount', ['-l', target], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const msg = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr).trim() : String(e);
    throw internal(`unmount ${target}: ${msg}`, { cause: e });
  }
}

/**
 * `cp` between a container and the host. Inside the container, paths are resolved
 * component by component with symlinks confined to the container's root (running:
 * /proc/PID/root; stopped: the snapshot's upper dir over its layers). Paths under a
 * bind mount or volume go to its source. Modes and symlinks are kept; owners follow
 * Docker's rules (./copyOwners.ts), through the mapping of a --userns container.
 */
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, notFound } from '../errors.js';
import { ImageStore } from '../image/ImageStore.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { copyLayeredDir, layeredStat, readLayeredFile, resolveUser } from './imageFiles.js';
import { containerView, ownersIn, ownersOut, type CopyOptions, type Mappings, type Owner, type OwnerMap } from './copyOwners.js';
import { snapshotDirs } from './startContainer.js';
import type { ContainerRecord } from './types.js';
import { readUsernsConfig, usernsModeOf } from './usernsSetup.js';

/** `p` (relative to a root) with every symlink resolved inside that root, through `lstat`/`readlink`; the last component is followed only with `followLast`. */
function resolveRel(p: string, followLast: boolean, lstat: (rel: string) => fs.Stats | undefined, readlink: (rel: string) => string): string {
  let todo = p.split('/').filter(Boolean);
  const done: string[] = [];
  for (let links = 0; todo.length;) {
    const c = todo.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const cur = [...done, c].join('/');
    if (lstat(cur)?.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++links > 40) throw invalidArgument(`too many levels of symbolic links: ${p}`);
      const target = readlink(cur);
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter(Boolean), ...todo];
      continue;
    }
    done.push(c);
  }
  return done.join('/');
}

function lstatOrUndef(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** `root` + `p` with every symlink resolved inside `root`; the last component is not followed unless asked. */
export function resolveInRoot(root: string, p: string, followLast = false): string {
  return path.join(root, resolveRel(p, followLast, (r) => lstatOrUndef(path.join(root, r)), (r) => fs.readlinkSync(path.join(root, r))));
}

/** The same over a stopped container's layers (top first): symlinks read from the layer that shows them. */
function resolveLayered(dirs: string[], p: string, followLast: boolean): string {
  const top = (r: string) => dirs.find((d) => lstatOrUndef(path.join(d, r)))!;
  return resolveRel(p, followLast, (r) => layeredStat(dirs, r), (r) => fs.readlinkSync(path.join(top(r), r)));
}

/** The mount (bind or volume) a container path falls under, and the path inside its source. */
function mountFor(rec: ContainerRecord, p: string): { source: string; rest: string } | undefined {
  const norm = path.posix.normalize(`/${p}`);
  const m = [...rec.Mounts].filter((x) => x.Type !== 'tmpfs' && x.Source && (norm === x.Destination || norm.startsWith(`${x.Destination}/`)))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  return m ? { source: m.Source, rest: norm.slice(m.Destination.length) } : undefined;
}

/**
 * Copy `src` to `dest` (recursively), giving each copied entry the owner `owners` maps its
 * source owner to; entries already at `dest` that are not copied over keep theirs. A
 * non-directory in the way is replaced, never written through (it may be a symlink).
 * Devices, fifos and sockets are not copied.
 */
function copyEntry(src: string, dest: string, owners: OwnerMap, fresh = false): void {
  const st = fs.lstatSync(src);
  const there = fresh ? undefined : lstatOrUndef(dest); // inside a directory made by this copy nothing is in the way
  if (there && !(there.isDirectory() && st.isDirectory())) fs.rmSync(dest, { recursive: true, force: true });
  const own = owners(st.uid, st.gid);
  if (st.isDirectory()) {
    const made = !there?.isDirectory();
    if (made) fs.mkdirSync(dest);
    for (const n of fs.readdirSync(src)) copyEntry(path.join(src, n), path.join(dest, n), owners, made);
  } else if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(src), dest);
    fs.lchownSync(dest, own.uid, own.gid);
    return;
  } else if (st.isFile()) {
    fs.copyFileSync(src, dest); // created with the source's permission bits
  } else {
    return;
  }
  fs.chownSync(dest, own.uid, own.gid);
  // chown(2) clears setuid/setgid; a directory was made under the umask; a file that was there keeps its old mode.
  if (st.isDirectory() || there || (st.mode & 0o6000) !== 0) fs.chmodSync(dest, st.mode & 0o7777);
  fs.utimesSync(dest, st.atime, st.mtime);
}

/** SRC_PATH ending in `/.`: a directory's contents, not the directory itself. */
function contentsOf(src: string): boolean {
  return /\/\.$/.test(src) || src === '.';
}

/**
 * Where the copy lands (Docker's rules): into DEST when it is a directory, unless SRC_PATH
 * ends in `/.` (then its contents merge into DEST); else DEST itself. `shown` names DEST in errors.
 */
function target(dest: string, name: string, srcIsDir: boolean, shown = dest, contents = false): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dest);
  } catch { /* new */ }
  if (st?.isDirectory()) return contents && srcIsDir ? dest : path.join(dest, name);
  if (dest.endsWith('/') && !st) throw notFound(`destination directory ${shown} does not exist`);
  if (st && !st.isDirectory() && srcIsDir) throw invalidArgument(`cannot copy a directory to a file: ${shown}`);
  if (!st && !lstatOrUndef(path.dirname(dest))?.isDirectory()) throw notFound(`stat ${path.posix.dirname(shown.replace(/\/+$/, '')) || '/'}: no such file or directory`);
  return dest;
}

/** The id mappings of a --userns container that has started once (its files carry shifted ids), else undefined. */
export function usernsMappings(store: ContainerStore, rec: ContainerRecord): Mappings | undefined {
  return usernsModeOf(rec) === 'host' ? undefined : readUsernsConfig(store, rec.Id);
}

/**
 * The owners a container's upper dir shows from its own side, for export and commit:
 * undefined for a container without a user namespace (nothing to map).
 */
export function upperOwners(store: ContainerStore, rec: ContainerRecord): OwnerMap | undefined {
  const m = usernsMappings(store, rec);
  return m ? containerView(m) : undefined;
}

function caller(): Owner {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

export function copyFromContainer(store: ContainerStore, ref: string, src: string, dest: string, opts: CopyOptions = {}): void {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  const name = path.basename(path.posix.normalize(`/${src}`)) || '/';
  const follow = !!opts.followLink || src.endsWith('/');
  const owners = ownersOut(opts, usernsMappings(store, rec), caller());
  const mnt = mountFor(rec, src);
  if (mnt || st.Running) {
    const root = mnt ? mnt.source : `/proc/${st.Pid}/root`;
    const from = resolveInRoot(root, mnt ? mnt.rest : src, follow);
    if (!fs.existsSync(from) && !isLink(from)) throw notFound(`Could not find the file ${src} in container ${ref}`);
    const to = target(dest, name, fs.lstatSync(from).isDirectory(), dest, contentsOf(src));
    copyEntry(from, to, owners);
    return;
  }
  const dirs = snapshotDirs(new ImageStore(store.root), rec.SnapshotKey);
  const rel = resolveLayered(dirs, src, follow);
  const s = layeredStat(dirs, rel);
  if (!s) throw notFound(`Could not find the file ${src} in container ${ref}`);
  const to = target(dest, name, s.isDirectory(), dest, contentsOf(src));
  if (!s.isDirectory()) {
    const top = dirs.find((d) => lstatOrUndef(path.join(d, rel)))!;
    copyEntry(path.join(top, rel), to, owners);
    return;
  }
  // The merged view of the layers goes to a scratch dir first, then over to DEST like any copy.
  const scratch = fs.mkdtempSync(path.join(path.dirname(path.resolve(to)), '.berth-cp-'));
  try {
    copyLayeredDir(dirs, rel, scratch);
    copyEntry(scratch, to, owners);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Make each directory along `rel` that the layers show but the upper dir lacks, with the layers' owner and mode (overlay's copy-up). */
function copyUpDirs(dirs: string[], rel: string): void {
  const parts = rel.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const r = parts.slice(0, i).join('/');
    const s = layeredStat(dirs, r);
    if (!s?.isDirectory()) return;
    const up = path.join(dirs[0], r);
    if (lstatOrUndef(up)) continue;
    fs.mkdirSync(up);
    fs.chownSync(up, s.uid, s.gid);
    fs.chmodSync(up, s.mode & 0o7777);
    fs.utimesSync(up, s.atime, s.mtime);
  }
}

/** The container's configured user (-u / the image's USER) as numbers, when it has one. */
function configuredUser(store: ContainerStore, rec: ContainerRecord): Owner | undefined {
  if (!rec.Config.User) return undefined;
  if (rec.ProcessUser) return rec.ProcessUser;
  const dirs = snapshotDirs(new ImageStore(store.root), rec.SnapshotKey);
  const u = resolveUser(rec.Config.User, readLayeredFile(dirs, 'etc/passwd'), readLayeredFile(dirs, 'etc/group'));
  if ('error' in u) throw invalidArgument(u.error);
  return u;
}

export function copyToContainer(store: ContainerStore, ref: string, src: string, dest: string, opts: CopyOptions = {}): void {
  const rec = store.find(ref);
  if (!fs.existsSync(src) && !isLink(src)) throw notFound(`lstat ${src}: no such file or directory`);
  const from = opts.followLink ? followed(src) : src;
  const owners = ownersIn(opts, opts.archive ? configuredUser(store, rec) : undefined, usernsMappings(store, rec));
  const st = liveState(store, rec);
  const mnt = mountFor(rec, dest);
  let inRoot: string;
  if (mnt || st.Running) inRoot = resolveInRoot(mnt ? mnt.source : `/proc/${st.Pid}/root`, mnt ? mnt.rest : dest, true);
  else {
    // Stopped: write into the snapshot's upper dir, copying up the directories on the way that only lower layers hold.
    const dirs = snapshotDirs(new ImageStore(store.root), rec.SnapshotKey);
    const rel = resolveLayered(dirs, dest, true);
    copyUpDirs(dirs, rel);
    inRoot = path.join(dirs[0], rel);
  }
  const to = target(dest.endsWith('/') ? `${inRoot}/` : inRoot, path.basename(path.resolve(src)), fs.lstatSync(from).isDirectory(), dest, contentsOf(src));
  copyEntry(from, to, owners);
}

/** -L on the host side: what a symlink SRC_PATH points to (Docker's EvalSymlinks error when it dangles). */
function followed(src: string): string {
  try {
    return fs.realpathSync(src);
  } catch (e) {
    throw notFound(`lstat ${path.resolve(path.dirname(src), fs.readlinkSync(src))}: no such file or directory`, { cause: e });
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

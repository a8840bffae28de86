/**
 * `cp` between a container and the host. Inside the container, paths are resolved
 * component by component with symlinks confined to the container's root (running:
 * /proc/PID/root; stopped: the snapshot's upper dir over its layers). Paths under a
 * bind mount or volume go to its source. Owners, modes and symlinks are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, notFound } from '../errors.js';
import { ImageStore } from '../image/ImageStore.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { copyLayeredDir, copyTree, layeredStat } from './imageFiles.js';
import { snapshotDirs } from './startContainer.js';
import type { ContainerRecord } from './types.js';

/** `root` + `p` with every symlink resolved inside `root`; the last component is not followed. */
export function resolveInRoot(root: string, p: string, followLast = false): string {
  let todo = p.split('/').filter(Boolean);
  const done: string[] = [];
  for (let links = 0; todo.length;) {
    const c = todo.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const cur = path.join(root, ...done, c);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(cur);
    } catch { /* missing: the rest is taken literally */ }
    if (st?.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++links > 40) throw invalidArgument(`too many levels of symbolic links: ${p}`);
      const target = fs.readlinkSync(cur);
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter(Boolean), ...todo];
      continue;
    }
    done.push(c);
  }
  return path.join(root, ...done);
}

/** The mount (bind or volume) a container path falls under, and the path inside its source. */
function mountFor(rec: ContainerRecord, p: string): { source: string; rest: string } | undefined {
  const norm = path.posix.normalize(`/${p}`);
  const m = [...rec.Mounts].filter((x) => x.Type !== 'tmpfs' && x.Source && (norm === x.Destination || norm.startsWith(`${x.Destination}/`)))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  return m ? { source: m.Source, rest: norm.slice(m.Destination.length) } : undefined;
}

function copyEntry(src: string, dest: string): void {
  const st = fs.lstatSync(src);
  if (st.isDirectory()) {
    fs.mkdirSync(dest, { recursive: true });
    copyTree(src, dest);
    fs.chownSync(dest, st.uid, st.gid);
    fs.chmodSync(dest, st.mode & 0o7777);
    fs.utimesSync(dest, st.atime, st.mtime);
  } else if (st.isSymbolicLink()) {
    fs.rmSync(dest, { force: true });
    fs.symlinkSync(fs.readlinkSync(src), dest);
    fs.lchownSync(dest, st.uid, st.gid);
  } else {
    fs.copyFileSync(src, dest);
    fs.chownSync(dest, st.uid, st.gid);
    fs.chmodSync(dest, st.mode & 0o7777);
    fs.utimesSync(dest, st.atime, st.mtime);
  }
}

/** Where the copy lands: into DEST when it is a directory (Docker's rule), else DEST itself. */
function target(dest: string, name: string, srcIsDir: boolean): string {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dest);
  } catch { /* new */ }
  if (st?.isDirectory()) return path.join(dest, name);
  if (dest.endsWith('/') && !st) throw notFound(`destination directory ${dest} does not exist`);
  if (st && !st.isDirectory() && srcIsDir) throw invalidArgument(`cannot copy a directory to a file: ${dest}`);
  return dest;
}

export function copyFromContainer(store: ContainerStore, ref: string, src: string, dest: string): void {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  const name = path.basename(path.posix.normalize(`/${src}`)) || '/';
  const mnt = mountFor(rec, src);
  if (mnt || st.Running) {
    const root = mnt ? mnt.source : `/proc/${st.Pid}/root`;
    const from = resolveInRoot(root, mnt ? mnt.rest : src, src.endsWith('/'));
    if (!fs.existsSync(from) && !isLink(from)) throw notFound(`Could not find the file ${src} in container ${ref}`);
    copyEntry(from, target(dest, name, fs.lstatSync(from).isDirectory()));
    return;
  }
  const dirs = snapshotDirs(new ImageStore(store.root), rec.SnapshotKey);
  const s = layeredStat(dirs, src);
  if (!s) throw notFound(`Could not find the file ${src} in container ${ref}`);
  const to = target(dest, name, s.isDirectory());
  if (s.isDirectory()) {
    fs.mkdirSync(to, { recursive: true });
    copyLayeredDir(dirs, src, to);
  } else {
    const top = dirs.find((d) => fs.existsSync(path.join(d, src)) || isLink(path.join(d, src)))!;
    copyEntry(path.join(top, src), to);
  }
}

export function copyToContainer(store: ContainerStore, ref: string, src: string, dest: string): void {
  const rec = store.find(ref);
  if (!fs.existsSync(src) && !isLink(src)) throw notFound(`could not find the file ${src}`);
  const st = liveState(store, rec);
  const mnt = mountFor(rec, dest);
  const root = mnt ? mnt.source : st.Running ? `/proc/${st.Pid}/root` : snapshotDirs(new ImageStore(store.root), rec.SnapshotKey)[0];
  const inRoot = resolveInRoot(root, mnt ? mnt.rest : dest, true);
  if (!st.Running && !mnt) fs.mkdirSync(path.dirname(inRoot), { recursive: true });
  const srcStat = fs.lstatSync(src);
  copyEntry(src, target(dest.endsWith('/') ? `${inRoot}/` : inRoot, path.basename(path.resolve(src)), srcStat.isDirectory()));
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * `cp` between a container and the host. Inside the container every path is resolved by
 * the kernel, confined to the container's root, and used through the fds so found (the
 * helper's `fs` mode, src/sys/rootFs.ts): a running container through /proc/PID/root, a
 * stopped one through its snapshot's overlay (mounted by the helper for itself), a path
 * under a bind mount or volume through its source. The copy travels as a tar: tar-out on
 * one side, tar-in on the other, renamed and given its owners here on the way
 * (./copyStream.ts). On the host the extractor follows no symlink below the destination.
 * Modes and symlinks are kept; owners follow Docker's rules (./copyOwners.ts), through the
 * mapping of a --userns container.
 */
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, notFound } from '../errors.js';
import { statInRoot, tarIn, tarOut, type FsRoot, type FsType } from '../sys/rootFs.js';
import { containerRoot, userFiles } from './containerFiles.js';
import type { ContainerStore } from './ContainerStore.js';
import { containerView, ownersIn, ownersOut, type CopyOptions, type Mappings, type Owner, type OwnerMap } from './copyOwners.js';
import { copyTar, underTop, withoutTop } from './copyStream.js';
import { resolveUser } from './imageFiles.js';
import type { ContainerRecord } from './types.js';
import { readUsernsConfig, usernsModeOf } from './usernsSetup.js';

/** Where a container path is: the source of the bind mount or volume it falls under, else the container's root. */
function placeOf(store: ContainerStore, rec: ContainerRecord, p: string, writable: boolean): { root: FsRoot; path: string } {
  const norm = path.posix.normalize(`/${p}`);
  const m = [...rec.Mounts].filter((x) => x.Type !== 'tmpfs' && x.Source && (norm === x.Destination || norm.startsWith(`${x.Destination}/`)))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  if (m) return { root: { dir: m.Source }, path: norm.slice(m.Destination.length) || '/' };
  return { root: containerRoot(store, rec, writable), path: p };
}

/** SRC_PATH ending in `/.`: a directory's contents, not the directory itself. */
function contentsOf(src: string): boolean {
  return /\/\.$/.test(src) || src === '.';
}

function lstatOrUndef(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

function statType(p: string): FsType | undefined {
  try {
    const st = fs.statSync(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

/**
 * Where the copy lands (Docker's rules): into DEST when it is a directory, unless SRC_PATH
 * ends in `/.` (then its contents merge into DEST); else DEST itself. `dest`/`parent` are
 * what DEST and its directory are (symlinks followed); `shown` names DEST in errors.
 */
function target(dest: string, name: string, srcIsDir: boolean, st: FsType | undefined, parent: FsType | undefined, shown: string, contents: boolean, join: (a: string, b: string) => string): string {
  if (st === 'dir') return contents && srcIsDir ? dest : join(dest, name);
  if (dest.endsWith('/') && !st) throw notFound(`destination directory ${shown} does not exist`);
  if (st && srcIsDir) throw invalidArgument(`cannot copy a directory to a file: ${shown}`);
  if (!st && parent !== 'dir') throw notFound(`stat ${path.posix.dirname(shown.replace(/\/+$/, '')) || '/'}: no such file or directory`);
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

/** A container path as tar-out sees it: what it is, the name it is copied under, whether it is followed. */
function source(store: ContainerStore, ref: string, rec: ContainerRecord, src: string, opts: CopyOptions) {
  const follow = !!opts.followLink || src.endsWith('/');
  const from = placeOf(store, rec, src, false);
  const [type] = statInRoot(from.root, follow, [from.path]);
  if (!type) throw notFound(`Could not find the file ${src} in container ${ref}`);
  return { ...from, follow, type, name: path.basename(path.posix.normalize(`/${src}`)) || '/' };
}

export async function copyFromContainer(store: ContainerStore, ref: string, src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
  const rec = store.find(ref);
  const s = source(store, ref, rec, src, opts);
  const isDir = s.type === 'dir';
  const to = path.resolve(target(dest, s.name, isDir, statType(dest), statType(path.dirname(dest)), dest, contentsOf(src), path.join));
  // A directory merges into a directory there (DEST itself when SRC_PATH ends in `/.`); anything else in the way is replaced.
  const merge = isDir && (to === path.resolve(dest) ? statType(to) === 'dir' : lstatOrUndef(to)?.isDirectory());
  const [root, top] = merge ? [to, '.'] : [path.dirname(to), path.basename(to)];
  const owners = ownersOut(opts, usernsMappings(store, rec), caller());
  await copyTar(tarOut(s.root, s.path, s.follow), { rename: underTop(top), owners, host: { top } }, tarIn({ dir: root }, '.', 'beneath'));
}

/** `cp CONTAINER:SRC -`: the tar carries the owners the container sees (Docker's archive API), -a or not. */
export async function copyFromContainerTar(store: ContainerStore, ref: string, src: string, out: NodeJS.WritableStream, opts: CopyOptions & { dotted?: boolean } = {}): Promise<void> {
  const rec = store.find(ref);
  const s = source(store, ref, rec, src, opts);
  const bare = s.type === 'dir' && (contentsOf(src) || s.name === '/');
  const owners = ownersOut({ ...opts, archive: true }, usernsMappings(store, rec), caller());
  // `dotted`: the Engine API's form of a directory's contents, `./` and `./x` (its clients rebase `.` to the destination).
  const rename = !bare ? underTop(s.name) : opts.dotted ? (n: string) => (n === '.' ? './' : `./${n}`) : withoutTop;
  await copyTar(tarOut(s.root, s.path, s.follow), { rename, owners }, out as never);
}

/** The container's configured user (-u / the image's USER) as numbers, when it has one. */
function configuredUser(store: ContainerStore, rec: ContainerRecord): Owner | undefined {
  if (!rec.Config.User) return undefined;
  if (rec.ProcessUser) return rec.ProcessUser;
  const u = resolveUser(rec.Config.User, ...userFiles(containerRoot(store, rec)));
  if ('error' in u) throw invalidArgument(u.error);
  return u;
}

export async function copyToContainer(store: ContainerStore, ref: string, src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
  const rec = store.find(ref);
  if (!fs.existsSync(src) && !isLink(src)) throw notFound(`lstat ${src}: no such file or directory`);
  const from = path.resolve(opts.followLink ? followed(src) : src);
  const owners = ownersIn(opts, opts.archive ? configuredUser(store, rec) : undefined, usernsMappings(store, rec));
  const srcIsDir = fs.lstatSync(from).isDirectory();
  // Stopped: the snapshot's overlay, writable — the kernel copies up what only lower layers hold.
  const place = placeOf(store, rec, dest, true);
  const [st, parent] = statInRoot(place.root, true, [place.path, path.posix.dirname(place.path.replace(/\/+$/, '') || '/')]);
  const contents = contentsOf(src);
  const cdest = dest.endsWith('/') && !place.path.endsWith('/') ? `${place.path}/` : place.path;
  const to = target(cdest, path.basename(path.resolve(src)), srcIsDir, st, parent, dest, contents, path.posix.join);
  const merge = srcIsDir && contents && st === 'dir';
  const norm = path.posix.normalize(`/${to}`).replace(/\/+$/, '') || '/';
  const [into, top] = merge || norm === '/' ? [to, '.'] : [path.posix.dirname(norm), path.posix.basename(norm)];
  await copyTar(tarOut({ dir: '/' }, from, false), { rename: underTop(top), owners }, tarIn(place.root, into, 'in-root'));
}

/** `cp - CONTAINER:DEST`: a tar from `input` extracted into the directory DEST; entries keep the tar's owners (the container's ids); -a gives them to the container's user. */
export async function copyToContainerTar(store: ContainerStore, ref: string, input: NodeJS.ReadableStream, dest: string, opts: CopyOptions = {}): Promise<void> {
  const rec = store.find(ref);
  const owners = ownersIn(opts, opts.archive ? configuredUser(store, rec) : undefined, usernsMappings(store, rec));
  const place = placeOf(store, rec, dest, true);
  const [st] = statInRoot(place.root, true, [place.path]);
  if (!st) throw notFound(`destination directory ${dest.endsWith('/') ? dest : `${dest}/`} does not exist`);
  if (st !== 'dir') throw invalidArgument(`extraction point is not a directory: ${dest}`);
  await copyTar(input as never, { rename: (n) => n, owners, nonEmpty: true }, tarIn(place.root, place.path, 'in-root'));
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

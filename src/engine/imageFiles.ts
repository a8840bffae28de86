/**
 * Reading a container's filesystem without mounting it: the snapshot's upper dir over
 * the image's layer dirs (overlay semantics: a 0:0 char device is a whiteout).
 * Used for /etc/passwd lookups and the named-volume copy-up.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The directories of a snapshot, top first: upper, then the layers. */
export type LayerDirs = string[];

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** A regular file's contents as the container would see it (no symlink following), or undefined. */
export function readLayeredFile(dirs: LayerDirs, rel: string): string | undefined {
  const r = rel.replace(/^\/+/, '');
  for (const d of dirs) {
    const st = lstat(path.join(d, r));
    if (!st) continue;
    if (isWhiteout(st) || !st.isFile()) return undefined;
    return fs.readFileSync(path.join(d, r), 'utf8');
  }
  return undefined;
}

/** Whether `rel` exists (as anything) in the layered view. */
export function layeredStat(dirs: LayerDirs, rel: string): fs.Stats | undefined {
  const r = rel.replace(/^\/+/, '');
  for (const d of dirs) {
    const st = lstat(path.join(d, r));
    if (!st) continue;
    return isWhiteout(st) ? undefined : st;
  }
  return undefined;
}

/**
 * Copy the layered directory `rel` into `dest` (Docker's volume copy-up): bottom layer
 * first, upper layers overwrite, whiteouts remove. Owners, modes and symlinks are kept.
 * Returns whether anything was there to copy.
 */
export function copyLayeredDir(dirs: LayerDirs, rel: string, dest: string): boolean {
  const r = rel.replace(/^\/+/, '');
  let any = false;
  for (const d of [...dirs].reverse()) {
    const src = path.join(d, r);
    const st = lstat(src);
    if (!st) continue;
    if (isWhiteout(st) || !st.isDirectory()) {
      clearDir(dest);
      any = false;
      continue;
    }
    copyTree(src, dest);
    fs.chownSync(dest, st.uid, st.gid);
    fs.chmodSync(dest, st.mode & 0o7777);
    any = true;
  }
  return any;
}

function clearDir(dir: string): void {
  for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}

/** Copy a directory's contents into `dest` (exists), keeping owners, modes and symlinks; 0:0 char devices delete. */
export function copyTree(src: string, dest: string): void {
  for (const n of fs.readdirSync(src)) {
    const s = path.join(src, n);
    const t = path.join(dest, n);
    const st = fs.lstatSync(s);
    if (isWhiteout(st)) {
      fs.rmSync(t, { recursive: true, force: true });
      continue;
    }
    const existing = lstat(t);
    if (existing && !(existing.isDirectory() && st.isDirectory())) fs.rmSync(t, { recursive: true, force: true });
    if (st.isDirectory()) {
      if (!existing?.isDirectory()) fs.mkdirSync(t);
      copyTree(s, t);
    } else if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(s), t);
    } else if (st.isFile()) {
      fs.copyFileSync(s, t);
    } else {
      continue; // devices, fifos, sockets: not seeded into volumes
    }
    fs.lchownSync(t, st.uid, st.gid);
    if (!st.isSymbolicLink()) fs.chmodSync(t, st.mode & 0o7777);
    fs.lutimesSync(t, st.atime, st.mtime);
  }
}

/** `-u`: `uid[:gid]` or names looked up in the image's /etc/passwd and /etc/group; `home` is the user's passwd entry's (runc's "/" without one). */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): { uid: number; gid: number; additionalGids: number[]; home: string } | { error: string } {
  const [u, g] = spec ? spec.split(':') : ['', undefined];
  const users = (passwd ?? '').split('\n').map((l) => l.split(':')).filter((f) => f.length >= 4);
  const groups = (group ?? '').split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3);
  let uid = 0;
  let gid = 0;
  let name = 'root';
  let home = '/';
  if (u) {
    const byName = users.find((f) => f[0] === u);
    if (byName) {
      uid = Number(byName[2]);
      gid = Number(byName[3]);
      name = byName[0];
      home = byName[5] || '/';
    } else if (/^\d+$/.test(u)) {
      uid = Number(u);
      const byId = users.find((f) => Number(f[2]) === uid);
      gid = byId ? Number(byId[3]) : 0;
      name = byId?.[0] ?? '';
      home = byId?.[5] || '/';
    } else return { error: `unable to find user ${u}: no matching entries in passwd file` };
  } else {
    const root = users.find((f) => f[2] === '0');
    if (root) gid = Number(root[3]);
    if (root) home = root[5] || '/';
  }
  if (g !== undefined) {
    const byName = groups.find((f) => f[0] === g);
    if (byName) gid = Number(byName[2]);
    else if (/^\d+$/.test(g)) gid = Number(g);
    else return { error: `unable to find group ${g}: no matching entries in group file` };
  }
  // As Docker: the primary group, then every group listing the user (none when a group was given).
  const member = g !== undefined || !name ? [] : groups.filter((f) => (f[3] ?? '').split(',').includes(name)).map((f) => Number(f[2]));
  const additionalGids = [...new Set([gid, ...member])];
  return { uid, gid, additionalGids, home };
}

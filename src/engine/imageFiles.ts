/**
 * A stopped container's filesystem seen from its snapshot's dirs (upper over the image's
 * layer dirs; a 0:0 char device is a whiteout), for `start`'s working directory; and `-u`
 * resolution over /etc/passwd and /etc/group. Reading files out of a container (those two,
 * volume copy-up, cp) goes through the helper instead (./containerFiles.ts,
 * src/sys/rootFs.ts): symlinks there are resolved by the kernel inside the container's
 * root, never on the host.
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

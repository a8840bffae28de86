import fs from 'node:fs';
import path from 'node:path';
import { shiftedOwner, type IdMapping } from './idMapping.js';

/**
 * Makes a rootfs fit a user namespace: lchown every entry to its mapped host
 * owner (shiftedOwner, src/sys/idMapping.ts), never following symlinks, and
 * restores setuid/setgid bits that chown(2) clears. Returns the number of entries.
 */
export function shiftOwnership(root: string, uidMaps: readonly IdMapping[], gidMaps: readonly IdMapping[]): number {
  let n = 0;
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    const to = shiftedOwner(st.uid, st.gid, uidMaps, gidMaps);
    if (to.uid !== st.uid || to.gid !== st.gid) {
      fs.lchownSync(p, to.uid, to.gid);
      if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) fs.chmodSync(p, st.mode & 0o7777);
    }
    n++;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e));
  };
  visit(root);
  return n;
}

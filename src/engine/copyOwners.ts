/**
 * Who owns what `cp` writes, as Docker does it (docker/cli#6870 documents the gap
 * between its docs and its behaviour; berth follows the behaviour, and the docs where
 * the behaviour says nothing):
 * - into a container: the source's uid:gid as they are (the tar carries them); with
 *   -a, the container's configured user when it has one (dockerd's CopyUIDGID);
 * - out of a container: the caller's uid:gid; with -a, the owners the container sees.
 * A --userns container's files carry shifted host ids: ids go through its mapping both ways.
 * Pure, except `reown`, which applies a mapping to a copied tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OVERFLOW_ID, shiftedOwner, toContainer, type IdMapping } from '../runtime/userns.js';

export interface Owner { uid: number; gid: number }
export type OwnerMap = (uid: number, gid: number) => Owner;

export interface CopyOptions {
  /** -a/--archive */
  archive?: boolean;
  /** -L/--follow-link: a symlink SRC_PATH is copied as what it points to. */
  followLink?: boolean;
}

export interface Mappings { uidMappings: IdMapping[]; gidMappings: IdMapping[] }

export const sameOwner: OwnerMap = (uid, gid) => ({ uid, gid });

/**
 * A file of a --userns container as the container sees it: ids inside the mapped range
 * shift back; others are kept (lower layers hold the image's own, unshifted ids).
 */
export function containerView(m: Mappings | undefined): OwnerMap {
  if (!m) return sameOwner;
  return (uid, gid) => ({ uid: toContainer(uid, m.uidMappings) ?? uid, gid: toContainer(gid, m.gidMappings) ?? gid });
}

/** Like containerView, but an id outside the range shows as the overflow id, as the kernel shows it inside. */
export function strictContainerView(m: Mappings | undefined): OwnerMap {
  if (!m) return sameOwner;
  return (uid, gid) => ({ uid: toContainer(uid, m.uidMappings) ?? OVERFLOW_ID, gid: toContainer(gid, m.gidMappings) ?? OVERFLOW_ID });
}

/** Owners of what `cp CONTAINER:SRC DEST` writes on the host. */
export function ownersOut(o: CopyOptions, m: Mappings | undefined, caller: Owner): OwnerMap {
  return o.archive ? containerView(m) : () => caller;
}

/** Owners of what `cp SRC CONTAINER:DEST` writes into the container (host ids, shifted for --userns). */
export function ownersIn(o: CopyOptions, user: Owner | undefined, m: Mappings | undefined): OwnerMap {
  const base: OwnerMap = o.archive && user ? () => user : sameOwner;
  if (!m) return base;
  return (uid, gid) => {
    const b = base(uid, gid);
    return shiftedOwner(b.uid, b.gid, m.uidMappings, m.gidMappings);
  };
}

/** lchown every entry under (and including) `top` through `map`; chown(2) clears setuid/setgid, so modes are put back. */
export function reown(top: string, map: OwnerMap): void {
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    const to = map(st.uid, st.gid);
    if (to.uid !== st.uid || to.gid !== st.gid) {
      fs.lchownSync(p, to.uid, to.gid);
      if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) fs.chmodSync(p, st.mode & 0o7777);
    }
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) visit(path.join(p, n));
  };
  visit(top);
}

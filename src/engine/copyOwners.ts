/**
 * Who owns what `cp` writes. Docker's docs and its behaviour differ (docker/cli#6870);
 * berth follows the behaviour, and the docs where the behaviour ignores the flag:
 * - into a container: the source's uid:gid as they are (the tar carries them); with
 *   -a, the container's configured user when it has one (dockerd's CopyUIDGID);
 * - out of a container: the caller's uid:gid; with -a, the owners the container sees
 *   (the docs' "copy all uid/gid information"; Docker's CLI ignores -a this way).
 * A --userns container's files carry shifted host ids: ids go through its mapping both ways.
 * Pure.
 */
import { shiftedOwner, toContainer, type IdMapping } from '../sys/idMapping.js';

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

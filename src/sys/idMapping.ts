/**
 * The kernel's id mapping arithmetic (user_namespaces(7)): how a uid/gid inside a user
 * namespace maps to the host and back, the overflow id of an unmapped one, and the
 * mappings as the helper's plan lines take them. Shared by the userns policy
 * (src/runtime/userns.ts, src/engine/userns.ts) and the effects that shift ownership
 * (shiftOwnership, idmapShiftedCopy, idmapMount).
 */

/** OCI linux.uidMappings / gidMappings entry. */
export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** A container id -> its host id; undefined when unmapped (the kernel shows it as the overflow id). */
export function toHost(id: number, maps: readonly IdMapping[]): number | undefined {
  for (const m of maps) if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  return undefined;
}

/** A host id -> the id the container sees; undefined when unmapped. */
export function toContainer(id: number, maps: readonly IdMapping[]): number | undefined {
  for (const m of maps) if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + (id - m.hostID);
  return undefined;
}

/** The overflow id the kernel shows for unmapped ids (/proc/sys/kernel/overflowuid). */
export const OVERFLOW_ID = 65534;

/**
 * The host owner a rootfs file (owned uid:gid as unpacked from the image) gets in
 * the chown'd copy: its container ids mapped to the host. Ids outside the mapping
 * become the overflow id's host id (or the overflow id itself when that is unmapped too).
 */
export function shiftedOwner(uid: number, gid: number, uidMaps: readonly IdMapping[], gidMaps: readonly IdMapping[]): { uid: number; gid: number } {
  const u = toHost(uid, uidMaps) ?? toHost(OVERFLOW_ID, uidMaps) ?? OVERFLOW_ID;
  const g = toHost(gid, gidMaps) ?? toHost(OVERFLOW_ID, gidMaps) ?? OVERFLOW_ID;
  return { uid: u, gid: g };
}

/** The mappings as the helper's plan lines want them: "inside outside count" joined by ','. */
export function planMapping(maps: readonly IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join(',');
}

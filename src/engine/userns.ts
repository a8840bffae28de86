/**
 * `--userns` for engine containers, the policy side (pure): which mode a container
 * runs in, which subordinate ids it gets, and how its overlay mount is rewritten.
 *
 * - `host` (default): no user namespace, today's behaviour.
 * - `remap`: Docker's `--userns-remap=default`: every remapped container shares the
 *   ranges /etc/subuid and /etc/subgid grant the `berth` user (created when missing,
 *   like dockerd creates `dockremap`). Also chosen by `BERTH_USERNS_REMAP=default`.
 * - `auto`: Podman's `--userns=auto`: a distinct 65536-id block per container, carved
 *   out of the `berth-auto` user's ranges; blocks are allocated in src/engine/usernsBlocks.ts.
 *
 * Rootfs ownership (src/engine/usernsSetup.ts), the snapshot's upper/work dirs are
 * chowned to the range either way; the lower layers are made to fit by
 *  - idmapped mounts (default where the kernel and the layers' filesystem allow it,
 *    runtime/userns.ts ownershipStrategy): each layer dir is bind-mounted with the
 *    container's idmapping (helper op `idmap-mount`, native/src/idmap.c) under
 *    `<root>/userns/m/<id>/<n>`: no copy, nothing chowned in the shared layers;
 *  - else (or when that fails) a *shifted copy*: each layer dir copied once per mapping
 *    into `<root>/layers-shifted/<mapping key>/<layer link>` with every owner mapped to
 *    the host (src/sys/idmapShiftedCopy.ts), shared by all containers with that mapping.
 * BERTH_USERNS_OWNERSHIP=idmap|copy forces one. The overlay over them is mounted from the
 * host side (the user-namespaced init could not mount it before it becomes the mapped root).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { invalidArgument } from '../errors.js';
import type { Mount } from '../image/Mount.js';
import type { Mount as SpecMount } from '../runtime/spec.js';
import { containerBlock, parseSubIds, remapMappings, validateMappings, type SubIdRange } from '../runtime/userns.js';
import type { IdMapping } from '../sys/idMapping.js';

export type UsernsMode = 'host' | 'remap' | 'auto';

/** The subordinate-id users berth owns (like dockerd's `dockremap`, Podman's `containers`). */
export const REMAP_USER = 'berth';
export const AUTO_USER = 'berth-auto';
/** Ids per container (remap range, auto block). */
export const BLOCK_SIZE = 65536;
/** Blocks the `berth-auto` entry holds when berth creates it. */
export const AUTO_BLOCKS = 1024;
/** Where berth places new entries: at or above this id (shadow's SUB_UID_MIN). */
export const SUB_ID_MIN = 100000;

/** The mapping a container runs with; `<container dir>/userns.json`. */
export interface UsernsConfig {
  mode: Exclude<UsernsMode, 'host'>;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** The auto block index (auto only). */
  block?: number;
  /** How the lower layers were made to fit at the last mount: idmapped mounts or shifted copies. */
  ownership?: 'idmap' | 'copy';
}

/** `--userns` (or BERTH_USERNS_REMAP=default when the flag is absent) -> the mode. */
export function parseUsernsMode(flag: string | undefined, remapEnv?: string): UsernsMode {
  if (flag === undefined || flag === '') {
    if (remapEnv === undefined || remapEnv === '') return 'host';
    if (remapEnv === 'default') return 'remap';
    throw invalidArgument(`BERTH_USERNS_REMAP=${remapEnv}: only "default" is supported`, { code: 'userns.invalid' });
  }
  if (flag === 'host' || flag === 'remap' || flag === 'auto') return flag;
  throw invalidArgument(`invalid --userns value "${flag}": use host, remap or auto`, { code: 'userns.invalid' });
}

/** The first id at or above SUB_ID_MIN, block-aligned, past every entry of the given files. */
export function freeRangeStart(texts: readonly string[]): number {
  let end = SUB_ID_MIN;
  for (const text of texts) {
    for (const raw of text.split('\n')) {
      const f = raw.trim().split(':');
      if (f.length !== 3 || raw.trim().startsWith('#')) continue;
      const s = Number(f[1]);
      const c = Number(f[2]);
      if (Number.isInteger(s) && Number.isInteger(c) && s + c > end) end = s + c;
    }
  }
  return Math.ceil(end / BLOCK_SIZE) * BLOCK_SIZE;
}

export interface SubIdPlan {
  uid: SubIdRange[];
  gid: SubIdRange[];
  /** Lines to append (with a trailing newline) when the user has no entry yet. */
  appendUid?: string;
  appendGid?: string;
}

/**
 * The ranges `user` holds in /etc/subuid and /etc/subgid; when a file has none, a new
 * `user:start:count` line placed past every existing entry of both files.
 */
export function planSubIds(subuid: string, subgid: string, user: string, count: number): SubIdPlan {
  const uid = parseSubIds(subuid, user);
  const gid = parseSubIds(subgid, user);
  const out: SubIdPlan = { uid, gid };
  if (uid.length && gid.length) return out;
  const start = freeRangeStart([subuid, subgid]);
  if (start + count - 1 >= 0xffffffff) throw invalidArgument(`no room for ${count} subordinate ids for ${user}`, { code: 'userns.exhausted' });
  const line = `${user}:${start}:${count}\n`;
  if (!uid.length) {
    out.uid = [{ start, count }];
    out.appendUid = line;
  }
  if (!gid.length) {
    out.gid = [{ start, count }];
    out.appendGid = line;
  }
  return out;
}

/** The mappings of a `remap` container (all of the user's ranges, end to end). */
export function remapConfig(p: SubIdPlan): UsernsConfig {
  const c: UsernsConfig = { mode: 'remap', uidMappings: remapMappings(p.uid), gidMappings: remapMappings(p.gid) };
  validateMappings(c.uidMappings, 'uid mappings');
  validateMappings(c.gidMappings, 'gid mappings');
  return c;
}

/** The mappings of an `auto` container holding block `index`. */
export function autoConfig(p: SubIdPlan, index: number): UsernsConfig {
  return { mode: 'auto', block: index, uidMappings: containerBlock(p.uid, index, BLOCK_SIZE), gidMappings: containerBlock(p.gid, index, BLOCK_SIZE) };
}

/** How many auto blocks the ranges hold (uid and gid side, the smaller). */
export function blockCount(p: SubIdPlan): number {
  const n = (rs: SubIdRange[]) => rs.reduce((a, r) => a + Math.floor(r.count / BLOCK_SIZE), 0);
  return Math.min(n(p.uid), n(p.gid));
}

/** The lowest block index not in `used`, below `count`; undefined when all are taken. */
export function firstFreeBlock(used: Iterable<number>, count: number): number | undefined {
  const taken = new Set(used);
  for (let i = 0; i < count; i++) if (!taken.has(i)) return i;
  return undefined;
}

/** A short stable name for a mapping (the shifted-layer cache dir). */
export function mappingKey(c: Pick<UsernsConfig, 'uidMappings' | 'gidMappings'>): string {
  const h = crypto.createHash('sha256').update(JSON.stringify([c.uidMappings, c.gidMappings])).digest('hex');
  return h.slice(0, 12);
}

/** The host ids the container's root maps to. */
export function mappedRoot(c: Pick<UsernsConfig, 'uidMappings' | 'gidMappings'>): { uid: number; gid: number } {
  const at0 = (ms: IdMapping[]) => ms.find((m) => m.containerID === 0)?.hostID;
  const uid = at0(c.uidMappings);
  const gid = at0(c.gidMappings);
  if (uid === undefined || gid === undefined) throw invalidArgument('user namespace mapping does not map root (container id 0)', { code: 'userns.invalid' });
  return { uid, gid };
}

/**
 * The snapshot's overlay mount with each lower dir replaced by its shifted copy:
 * `shifted(lower)` names the copy (the caller makes it). Other mounts pass through.
 */
export function shiftedMounts(mounts: readonly Mount[], shifted: (lower: string) => string): Mount[] {
  return mounts.map((m) => {
    if (m.type !== 'overlay') return m;
    const options = m.options.map((o) => (o.startsWith('lowerdir=') ? `lowerdir=${o.slice(9).split(':').map(shifted).join(':')}` : o));
    return { ...m, options };
  });
}

/** The spec fields a user namespace adds (merged into linux by buildSpec). */
export function usernsSpec(c: UsernsConfig | undefined): { namespaces: { type: 'user' }[]; uidMappings?: IdMapping[]; gidMappings?: IdMapping[] } {
  if (!c) return { namespaces: [] };
  return { namespaces: [{ type: 'user' }], uidMappings: c.uidMappings, gidMappings: c.gidMappings };
}

/** `<root>/layers-shifted/<key>` */
export function shiftedRangeDir(root: string, c: Pick<UsernsConfig, 'uidMappings' | 'gidMappings'>): string {
  return path.join(root, 'layers-shifted', mappingKey(c));
}

/**
 * A user-namespaced container that joins a network namespace it does not own (host,
 * a bridged container's persistent one, container:<x>) may not mount sysfs: the kernel
 * wants the netns owned by the container's user namespace. Like runc, it gets a
 * read-only bind of the host's /sys instead (recursive: a user namespace may not bind a
 * mount without the submounts locked under it; the cgroup mount then covers /sys/fs/cgroup).
 */
export function sysfsForForeignNetns(mounts: readonly SpecMount[]): SpecMount[] {
  return mounts.map((m) => (m.type === 'sysfs' ? { destination: m.destination, type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] } : m));
}

/**
 * `--userns remap|auto` at start and rm: pick the container's mapping once (kept in
 * `<container dir>/userns.json` for its life), make the shifted layer copies and chown
 * the snapshot's own dirs, and give the runtime the rewritten overlay mount. `rm`
 * frees an auto block (and that block's shifted copies, which nobody else can use).
 *
 * The overlay is mounted here, from the host side, onto the container's rootfs dir (as
 * containerd does before runc): the init in its new user namespace cannot mount it
 * itself (the runtime mounts rootfs mounts before it becomes the mapped root, and
 * overlay refuses a mounter whose uid is unmapped). The mount stays until rm.
 * Policy is in ./userns.ts; file effects in src/sys/idmapShiftedCopy.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { ImageStore } from '../image/ImageStore.js';
import { withLockSync } from '../image/lock.js';
import type { Mount } from '../image/Mount.js';
import { readJson, writeJsonAtomic } from '../sys/atomicWrite.js';
import {
  appendSubIdLine, ensureTraversable, isMountPoint, mountOverlayOnHost, pruneShiftedCopies, readOptional, shiftedLayerCopy, shiftUnshifted, unmountIfMounted,
} from '../sys/idmapShiftedCopy.js';
import { fsTypeOf, idmapMount } from '../sys/idmapMount.js';
import { ownershipStrategy } from '../runtime/userns.js';
import os from 'node:os';
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord, HostConfig } from './types.js';
import {
  AUTO_BLOCKS, AUTO_USER, autoConfig, BLOCK_SIZE, blockCount, firstFreeBlock, mappedRoot, planSubIds, REMAP_USER, remapConfig,
  shiftedMounts, shiftedRangeDir, type SubIdPlan, type UsernsConfig, type UsernsMode,
} from './userns.js';

/** HostConfig as makeRecord stores it with `--userns` (Docker's UsernsMode field). */
export type UsernsHostConfig = HostConfig & { UsernsMode?: string };

/** The record's mode ('' and 'host' mean no user namespace). */
export function usernsModeOf(rec: ContainerRecord): UsernsMode {
  const m = (rec.HostConfig as UsernsHostConfig).UsernsMode;
  return m === 'remap' || m === 'auto' ? m : 'host';
}

/** /etc/subuid and /etc/subgid (BERTH_SUBUID_FILE / BERTH_SUBGID_FILE override them, for tests). */
export function subIdFiles(env: NodeJS.ProcessEnv = process.env): { uid: string; gid: string } {
  return { uid: env.BERTH_SUBUID_FILE || '/etc/subuid', gid: env.BERTH_SUBGID_FILE || '/etc/subgid' };
}

/** The ranges of `user`, adding its entries (past all others) when missing, like dockerd's dockremap. */
export function ensureSubIds(root: string, user: string, count: number): SubIdPlan {
  const files = subIdFiles();
  fs.mkdirSync(path.join(root, 'userns'), { recursive: true, mode: 0o700 });
  return withLockSync(path.join(root, 'userns', 'subids.lock'), () => {
    const plan = planSubIds(readOptional(files.uid), readOptional(files.gid), user, count);
    if (plan.appendUid) appendSubIdLine(files.uid, plan.appendUid);
    if (plan.appendGid) appendSubIdLine(files.gid, plan.appendGid);
    return plan;
  }, 'subordinate id files');
}

interface BlockTable { blocks: Record<string, string> }

function blocksFile(root: string): string {
  return path.join(root, 'userns', 'blocks.json');
}

function withBlocks<T>(store: ContainerStore, fn: (t: BlockTable) => T): T {
  const dir = path.join(store.root, 'userns');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withLockSync(path.join(dir, 'blocks.lock'), () => {
    const file = blocksFile(store.root);
    const t: BlockTable = fs.existsSync(file) ? readJson<BlockTable>(file) : { blocks: {} };
    return fn(t);
  }, 'userns block table');
}

/** The auto block held by container `id`, allocating the lowest free one; blocks of removed containers are reclaimed. */
export function allocateBlock(store: ContainerStore, id: string, count: number): number {
  return withBlocks(store, (t) => {
    for (const [k, owner] of Object.entries(t.blocks)) {
      if (owner === id) return Number(k);
      if (!fs.existsSync(store.dir(owner))) delete t.blocks[k];
    }
    const i = firstFreeBlock(Object.keys(t.blocks).map(Number), count);
    if (i === undefined) throw invalidArgument(`--userns auto: all ${count} blocks of ${BLOCK_SIZE} ids are in use`, { code: 'userns.exhausted', hint: `grant ${AUTO_USER} more ids in /etc/subuid and /etc/subgid` });
    t.blocks[String(i)] = id;
    writeJsonAtomic(blocksFile(store.root), t);
    return i;
  });
}

/** The blocks currently held, index -> container id. */
export function heldBlocks(store: ContainerStore): Record<string, string> {
  const file = blocksFile(store.root);
  return fs.existsSync(file) ? readJson<BlockTable>(file).blocks : {};
}

function configFile(store: ContainerStore, id: string): string {
  return path.join(store.dir(id), 'userns.json');
}

/** The container's mapping, if it has one yet. */
export function readUsernsConfig(store: ContainerStore, id: string): UsernsConfig | undefined {
  const f = configFile(store, id);
  return fs.existsSync(f) ? readJson<UsernsConfig>(f) : undefined;
}

function chooseConfig(store: ContainerStore, rec: ContainerRecord, mode: 'remap' | 'auto'): UsernsConfig {
  const have = readUsernsConfig(store, rec.Id);
  if (have && have.mode === mode) return have;
  let c: UsernsConfig;
  if (mode === 'remap') c = remapConfig(ensureSubIds(store.root, REMAP_USER, BLOCK_SIZE));
  else {
    const plan = ensureSubIds(store.root, AUTO_USER, BLOCK_SIZE * AUTO_BLOCKS);
    c = autoConfig(plan, allocateBlock(store, rec.Id, blockCount(plan)));
  }
  writeJsonAtomic(configFile(store, rec.Id), c);
  return c;
}

/**
 * For a remap/auto container: its mapping and the overlay mount over shifted layer
 * copies (made now when missing), with its upper/work dirs owned by the range.
 * Undefined for `host`. Caller holds the container's lock.
 */
export function prepareUserns(store: ContainerStore, rec: ContainerRecord, images: ImageStore): { config: UsernsConfig; rootfsMounts: Mount[] } | undefined {
  const mode = usernsModeOf(rec);
  if (mode === 'host') return undefined;
  const config = chooseConfig(store, rec, mode);
  const base = images.snapshotMounts(rec.SnapshotKey);
  const upper = base.flatMap((m) => m.options.filter((o) => o.startsWith('upperdir=')).map((o) => o.slice(9)));
  for (const u of upper) shiftUnshifted(path.dirname(u), config.uidMappings, config.gidMappings);
  // Volumes (not host bind mounts) are made the range's, as dockerd does under --userns-remap;
  // ids some other range gave them are kept.
  for (const m of rec.Mounts) if (m.Type === 'volume' && m.Source && fs.existsSync(m.Source)) shiftUnshifted(m.Source, config.uidMappings, config.gidMappings, BLOCK_SIZE);
  // Bind sources under the container dir are opened after the init became the mapped root.
  for (const d of [store.root, store.containersDir, store.dir(rec.Id)]) ensureTraversable(d);
  checkAncestorsSearchable(store.root);
  const rootfs = rootfsDir(store, rec.Id);
  fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  if (isMountPoint(rootfs)) return { config, rootfsMounts: [] }; // mounted by an earlier start, kept until rm
  const lowers = base.flatMap((m) => m.options.filter((o) => o.startsWith('lowerdir=')).flatMap((o) => o.slice(9).split(':')));
  const { ownership, lowerFor } = fittedLowers(store, rec.Id, config, lowers);
  if (config.ownership !== ownership) writeJsonAtomic(configFile(store, rec.Id), { ...config, ownership });
  for (const m of shiftedMounts(base, lowerFor)) mountOverlayOnHost(rootfs, m.options);
  return { config: { ...config, ownership }, rootfsMounts: [] };
}

/**
 * BERTH_USERNS_OWNERSHIP=idmap|copy forces a strategy; by default idmapped lower layers
 * where the kernel and the layers' filesystem support them, else shifted copies.
 */
export function ownershipFor(root: string, env: NodeJS.ProcessEnv = process.env): 'idmap' | 'copy' {
  const forced = env.BERTH_USERNS_OWNERSHIP;
  if (forced === 'idmap' || forced === 'copy') return forced;
  if (forced) throw invalidArgument(`BERTH_USERNS_OWNERSHIP=${forced}: use idmap or copy`, { code: 'userns.invalid' });
  return ownershipStrategy(fsTypeOf(path.join(root, 'layers')), os.release()) === 'idmap' ? 'idmap' : 'copy';
}

/** `<root>/userns/m/<id>`: the container's idmapped lower layers, one numbered mount each. */
function idmapDir(store: ContainerStore, id: string): string {
  return path.join(store.root, 'userns', 'm', id.slice(0, 16));
}

/** Lower dirs the range owns: idmapped mounts of the layers (falling back to copies unless forced), or the shared shifted copies. */
function fittedLowers(store: ContainerStore, id: string, config: UsernsConfig, lowers: string[]): { ownership: 'idmap' | 'copy'; lowerFor: (l: string) => string } {
  const want = ownershipFor(store.root);
  if (want === 'idmap') {
    const dir = idmapDir(store, id);
    const target = new Map(lowers.map((l, i) => [l, path.join(dir, String(i))]));
    try {
      unmountIdmapped(dir);
      idmapMount(config.uidMappings, config.gidMappings, lowers.map((l) => [fs.realpathSync(l), target.get(l)!]));
      return { ownership: 'idmap', lowerFor: (l) => target.get(l)! };
    } catch (e) {
      unmountIdmapped(dir);
      if (process.env.BERTH_USERNS_OWNERSHIP === 'idmap') throw e;
    }
  }
  const rangeDir = shiftedRangeDir(store.root, config);
  fs.mkdirSync(path.dirname(rangeDir), { recursive: true, mode: 0o711 });
  withLockSync(`${rangeDir}.lock`, () => {
    for (const l of lowers) shiftedLayerCopy(fs.realpathSync(l), path.join(rangeDir, path.basename(l)), config.uidMappings, config.gidMappings);
  }, 'shifted layers');
  return { ownership: 'copy', lowerFor: (l) => path.join(rangeDir, path.basename(l)) };
}

/** Unmount and remove the idmapped layer mounts; rmdir only (never recursive), so a mount still there can never be emptied. */
function unmountIdmapped(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const n of fs.readdirSync(dir)) {
    unmountIfMounted(path.join(dir, n));
    fs.rmdirSync(path.join(dir, n));
  }
  fs.rmdirSync(dir);
}

/** Where startRecord mounts the container's root (the runtime binds it as is). */
function rootfsDir(store: ContainerStore, id: string): string {
  return path.join(store.dir(id), 'rootfs');
}

/** Dirs above the berth root are not berth's to chmod: say which one blocks the mapped root. */
function checkAncestorsSearchable(root: string): void {
  for (let d = path.dirname(path.resolve(root)); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) {
      throw failedPrecondition(`--userns: ${d} is not searchable by others, so the container's mapped root cannot reach ${root}`, { code: 'userns.path', hint: `chmod o+x ${d}, or use a --root below searchable dirs` });
    }
    if (d === path.dirname(d)) return;
  }
}

/** On rm (before the snapshot goes): the host overlay mount goes; an auto container's shifted copies go, then its block is freed. */
export function releaseUserns(store: ContainerStore, rec: Pick<ContainerRecord, 'Id'>): void {
  if (fs.existsSync(rootfsDir(store, rec.Id))) unmountIfMounted(rootfsDir(store, rec.Id));
  unmountIdmapped(idmapDir(store, rec.Id));
  const c = readUsernsConfig(store, rec.Id);
  if (!c) return;
  const rangeDir = shiftedRangeDir(store.root, c);
  if (c.mode === 'remap') {
    // The shared range keeps its copies, but not those of layers removed since.
    if (fs.existsSync(rangeDir)) withLockSync(`${rangeDir}.lock`, () => pruneShiftedCopies(rangeDir, new ImageStore(store.root).layers.linksDir), 'shifted layers');
    return;
  }
  if (fs.existsSync(rangeDir)) withLockSync(`${rangeDir}.lock`, () => fs.rmSync(rangeDir, { recursive: true, force: true }), 'shifted layers');
  withBlocks(store, (t) => {
    for (const [k, owner] of Object.entries(t.blocks)) if (owner === rec.Id) delete t.blocks[k];
    writeJsonAtomic(blocksFile(store.root), t);
  });
}

/** The container's /etc files (hostname, hosts, resolv.conf) become its root's, as dockerd does under --userns-remap. */
export function fitEtcFiles(files: Record<string, string>, config: UsernsConfig | undefined): Record<string, string> {
  if (!config) return files;
  const root = mappedRoot(config);
  for (const p of Object.values(files)) fs.chownSync(p, root.uid, root.gid);
  return files;
}

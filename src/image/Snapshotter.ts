import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { fsyncDir, writeJsonAtomic } from '../sys/atomicWrite.js';
import type { Digest, ImageId } from './digest.js';
import type { ImageStore } from './ImageStore.js';
import type { Mount } from './Mount.js';

/** `snapshots/<key>/snapshot.json`. */
export interface SnapshotInfo {
  key: string;
  imageId: ImageId;
  /** diff_ids, bottom layer first. */
  layers: Digest[];
  created: string;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** Overlay's mount data through mount(2) must fit one page (4096 bytes including the NUL). */
export const MOUNT_DATA_MAX = 4095;
/** fsconfig(2) takes strings of at most this many bytes. */
export const FSCONFIG_STRING_MAX = 255;
/** overlayfs stacks at most this many lower layers (OVL_MAX_STACK). */
export const OVERLAY_MAX_LAYERS = 500;

/** Linux 6.8 added overlayfs' `lowerdir+`: one layer per fsconfig call, so no page limit. */
export function kernelHasLowerdirPlus(release: string): boolean {
  const [major, minor] = release.split(/[.-]/).map(Number);
  return major > 6 || (major === 6 && minor >= 8);
}

/**
 * Whether the helper can mount these overlay options (native/src/overlay.c): through fsconfig
 * when each string but lowerdir fits its 255 bytes and the lowerdir does too or goes layer by
 * layer (lowerdir+); else through mount(2), whose data is one page.
 */
export function overlayOptionsError(options: readonly string[], lowerdirPlus: boolean): string | undefined {
  const lowers = options.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length).split(':') ?? [];
  if (lowers.length > OVERLAY_MAX_LAYERS) return `overlayfs stacks at most ${OVERLAY_MAX_LAYERS} lower dirs`;
  const short = (o: string) => o.length - o.indexOf('=') - 1 <= FSCONFIG_STRING_MAX;
  const viaFsconfig = options.every((o) => short(o) || (lowerdirPlus && o.startsWith('lowerdir=') && lowers.every((l) => l.length <= FSCONFIG_STRING_MAX)));
  const data = legacyOverlayData(options);
  if (viaFsconfig || data.length <= MOUNT_DATA_MAX) return undefined;
  return `overlay mount options are ${data.length} bytes, over the kernel's ${MOUNT_DATA_MAX}-byte limit${lowerdirPlus ? '' : ' (Linux 6.8 lifts it)'}`;
}

/**
 * The mount(2) data the helper passes for these options: as they are when they fit one page;
 * else with the lower dirs under the directory of the last one (the layer links) relative to it,
 * the mount made from that directory, as Docker's overlay2 does (native/src/overlay.c).
 */
export function legacyOverlayData(options: readonly string[]): string {
  const data = options.join(',');
  if (data.length <= MOUNT_DATA_MAX) return data;
  return options.map((o) => {
    if (!o.startsWith('lowerdir=')) return o;
    const lowers = o.slice('lowerdir='.length).split(':');
    const base = path.dirname(lowers[lowers.length - 1]);
    if (!base.startsWith('/') || base === '/') return o;
    return `lowerdir=${lowers.map((l) => (l.startsWith(`${base}/`) && l.length > base.length + 1 ? l.slice(base.length + 1) : l)).join(':')}`;
  }).join(',');
}

export class Snapshotter {
  /** The storage driver, as `info` reports it: the filesystem every snapshot is mounted as. */
  static readonly driver = 'overlay';
  readonly dir: string;
  constructor(private readonly store: ImageStore) {
    this.dir = path.join(store.root, 'snapshots');
  }

  private keyDir(key: string): string {
    if (!KEY.test(key)) throw invalidArgument(`invalid snapshot key ${JSON.stringify(key)}`);
    return path.join(this.dir, key);
  }

  info(key: string): SnapshotInfo {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.keyDir(key), 'snapshot.json'), 'utf8')) as SnapshotInfo;
    } catch {
      throw notFound(`snapshot ${key} not found`);
    }
  }

  list(): SnapshotInfo[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs.readdirSync(this.dir).filter((k) => KEY.test(k)).flatMap((k) => {
      try {
        return [this.info(k)];
      } catch {
        return [];
      }
    });
  }

  upperDir(key: string): string {
    return path.join(this.keyDir(key), 'upper');
  }

  /** Lower dirs, top layer first (overlay's order). */
  lowerDirs(info: SnapshotInfo): string[] {
    return [...info.layers].reverse().map((l) => this.store.layers.diffDir(l));
  }

  /** Create `snapshots/<key>` for an image (extracting missing layers) and return its mounts. */
  async prepare(key: string, imageRef: string): Promise<Mount[]> {
    const dir = this.keyDir(key);
    return this.store.lease(async () => {
      const img = this.store.resolve(imageRef);
      await ensureLayers(this.store, img.manifest.layers.map((l) => l.digest), img.config.rootfs.diff_ids);
      if (fs.existsSync(dir)) throw alreadyExists(`snapshot ${key} already exists`);
      const tmp = path.join(this.dir, `.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
      for (const d of ['upper', 'work', 'empty']) fs.mkdirSync(path.join(tmp, d), { recursive: true, mode: 0o755 });
      const info: SnapshotInfo = { key, imageId: img.id, layers: img.config.rootfs.diff_ids, created: new Date().toISOString() };
      writeJsonAtomic(path.join(tmp, 'snapshot.json'), info);
      try {
        this.mountsFor(info, tmp);
        fs.renameSync(tmp, dir);
      } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
      fsyncDir(this.dir);
      return this.mounts(key);
    });
  }

  /** The overlay mount of an existing snapshot (nothing is mounted here). */
  mounts(key: string): Mount[] {
    return this.mountsFor(this.info(key), this.keyDir(key));
  }

  /**
   * The overlay options of a snapshot's root for berth's own file work (the helper mounts
   * it, src/sys/rootFs.ts): as the container's, or read-only — the upper dir as the top
   * lower layer, so nothing is written and no workdir is shared.
   */
  viewOptions(key: string, writable: boolean): string {
    const dir = this.keyDir(key);
    const info = this.info(key);
    if (writable) return this.mountsFor(info, dir)[0].options.join(',');
    return this.checked(info, [`lowerdir=${[path.join(dir, 'upper'), ...this.lowerLinks(info, dir)].join(':')}`]).join(',');
  }

  private lowerLinks(info: SnapshotInfo, dir: string): string[] {
    const lowers = [...info.layers].reverse().map((l) => {
      const li = this.store.layers.info(l);
      if (!li) throw notFound(`layer ${l} of snapshot ${info.key} is not extracted`);
      return path.join(this.store.layers.linksDir, li.link);
    });
    if (lowers.length === 0) lowers.push(path.join(dir, 'empty'));
    return lowers;
  }

  private mountsFor(info: SnapshotInfo, dir: string): Mount[] {
    const lowers = this.lowerLinks(info, dir);
    const options = [`lowerdir=${lowers.join(':')}`, `upperdir=${path.join(dir, 'upper')}`, `workdir=${path.join(dir, 'work')}`, 'index=off'];
    return [{ type: Snapshotter.driver, source: 'overlay', options: this.checked(info, options) }];
  }

  private checked(info: SnapshotInfo, options: string[]): string[] {
    const max = OVERLAY_MAX_LAYERS - 1; // the read-only view stacks the container's upper dir on them
    if (info.layers.length > max) {
      throw failedPrecondition(`image has ${info.layers.length} layers: overlayfs stacks at most ${OVERLAY_MAX_LAYERS} lower dirs, so an image at most ${max} layers`, { hint: 'squash the image' });
    }
    const err = overlayOptionsError(options, kernelHasLowerdirPlus(os.release()));
    if (err) throw failedPrecondition(`image has ${info.layers.length} layers: ${err}`, { hint: 'use a shorter --root or squash the image' });
    return options;
  }

  /** Remove a snapshot (must be unmounted). Missing is not an error. */
  remove(key: string): void {
    const dir = this.keyDir(key);
    if (!fs.existsSync(dir)) return;
    const trash = path.join(this.dir, `.tmp-rm-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    fs.renameSync(dir, trash);
    fs.rmSync(trash, { recursive: true, force: true });
  }
}

/** Extract any of an image's layers that are not in layers/ yet (e.g. after a layer GC). */
export async function ensureLayers(store: ImageStore, blobs: Digest[], diffIds: Digest[]): Promise<void> {
  for (let i = 0; i < diffIds.length; i++) {
    if (store.layers.has(diffIds[i])) continue;
    if (!store.content.has(blobs[i])) throw notFound(`layer blob ${blobs[i]} is missing from the store`);
    store.layers.commit(await store.layers.stage(store.content.path(blobs[i]), `${i} (${blobs[i]})`, diffIds[i]));
  }
}

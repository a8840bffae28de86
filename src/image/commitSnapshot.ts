import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { dumpXattrs } from '../sys/xattr.js';
import { applyChanges } from './changes.js';
import { lstatOrUndef } from './fsEntries.js';
import { lowerHas, lowersOf, RUNTIME_MOUNTPOINTS } from './snapshotDiff.js';
import type { Digest, ImageId } from './digest.js';
import type { StagedLayer } from './LayerStore.js';
import type { ImageStore } from './ImageStore.js';
import type { ContainerConfig } from './manifest.js';
import { MT } from './mediaTypes.js';
import { putNewImage } from './newImage.js';
import { parseTagReference } from './reference.js';
import type { Snapshotter } from './Snapshotter.js';
import type { TarEntry } from './tar/TarEntry.js';
import { TarWriter } from './tar/TarWriter.js';
import { upperToTar, type TreeSource } from './treeToTar.js';
import { writeIngest } from './writeIngest.js';

export interface CommitOptions {
  /** `repo[:tag]` for the new image. */
  tag?: string;
  /** Replaces these fields of the base image's config (the engine passes the container's). */
  config?: ContainerConfig;
  /** `--change` instructions, applied after `config`. */
  changes?: string[];
  author?: string;
  comment?: string;
  /** history created_by (Docker leaves the container's command here). */
  createdBy?: string;
  /** The owners the layer records for the upper dir's files (a --userns container's: its own ids, not the host's). */
  owners?: TreeSource['owners'];
}

/** The runtime's empty mount-point files (/etc/hosts...) that the image lacks: left out of commits, as Docker's init layer. */
function runtimeMountpoints(store: ImageStore, snaps: Snapshotter, key: string): Set<string> {
  const lowers = lowersOf(store, snaps.info(key).layers);
  const out = new Set<string>();
  for (const p of RUNTIME_MOUNTPOINTS) {
    const rel = p.slice(1);
    const st = lstatOrUndef(path.join(snaps.upperDir(key), rel));
    if (st?.isFile() && st.size === 0 && !lowerHas(lowers, rel)) out.add(rel);
  }
  return out;
}

/** Read an upper dir as a tree source (opaque dirs and xattrs from one getfattr run). */
export function upperSource(upper: string): TreeSource {
  const xattrs = dumpXattrs(upper);
  const opaque = new Set<string>();
  for (const [p, a] of xattrs) if (a.get('trusted.overlay.opaque')?.toString() === 'y') opaque.add(path.relative(upper, p));
  return { dir: upper, opaque, xattrs };
}

/** SOURCE_DATE_EPOCH: no entry newer than `max` (reproducible layers). */
class ClampedTarWriter extends TarWriter {
  constructor(out: PassThrough, private readonly max: number) {
    super(out);
  }
  override add(e: TarEntry, body?: Buffer | AsyncIterable<Buffer>): Promise<void> {
    return super.add(e.mtime > this.max ? { ...e, mtime: this.max } : e, body);
  }
}

/** A snapshot's upper dir written as a layer blob (in the store) and staged for layers/ (the caller commits it). Hold a lease. */
export async function snapshotLayer(store: ImageStore, snaps: Snapshotter, key: string, owners?: TreeSource['owners'], exclude: string[] = [], mtimeMax?: number): Promise<{ blob: { digest: Digest; size: number }; staged: StagedLayer }> {
  const tmp = store.content.ingestPath('commit');
  try {
    const pt = new PassThrough({ highWaterMark: 1 << 20 });
    const writing = writeIngest(pt, tmp);
    const w = mtimeMax === undefined ? new TarWriter(pt) : new ClampedTarWriter(pt, mtimeMax);
    await upperToTar({ ...upperSource(snaps.upperDir(key)), owners }, w, new Set([...runtimeMountpoints(store, snaps, key), ...exclude]));
    await w.finish();
    const blob = await writing;
    const staged = await store.layers.stage(tmp, `commit of ${key}`, blob.digest);
    store.content.commitFile(tmp, blob.digest, blob.size);
    return { blob, staged };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * `commit`: turn a snapshot's upper dir into a new layer (overlay whiteouts -> OCI
 * `.wh.` entries) on top of the snapshot's image, and record the new image.
 * The container should be paused or stopped so the upper dir holds still.
 */
export async function commitSnapshot(store: ImageStore, snaps: Snapshotter, key: string, opts: CommitOptions = {}): Promise<ImageId> {
  if (opts.tag) parseTagReference(opts.tag);
  const info = snaps.info(key);
  const base = store.resolve(info.imageId);
  const cc = applyChanges({ ...(base.config.config ?? {}), ...(opts.config ?? {}) }, opts.changes ?? []);
  return store.lease(async () => {
    const { blob, staged } = await snapshotLayer(store, snaps, key, opts.owners);
    const { config, manifest } = putNewImage(store.content, {
      parent: base, config: cc, layer: { mediaType: MT.ociLayer, ...blob, diffId: blob.digest }, created: new Date().toISOString(),
      history: { created_by: opts.createdBy ?? '', ...(opts.author ? { author: opts.author } : {}), ...(opts.comment ? { comment: opts.comment } : {}) },
      author: opts.author,
    });
    store.layers.commit(staged);
    store.addManifest(manifest, opts.tag ? [opts.tag] : []);
    return config.digest;
  });
}

import fs from 'node:fs';
import { recordEvent } from '../engine/eventLog.js';
import path from 'node:path';
import { conflict, invalidArgument, notFound } from '../errors.js';
import type { Writable } from 'node:stream';
import { commitSnapshot, type CommitOptions } from './commitSnapshot.js';
import { ContentStore } from './ContentStore.js';
import { exportSnapshot } from './exportSnapshot.js';
import type { Mount } from './Mount.js';
import { diffSnapshot, type Change } from './snapshotDiff.js';
import { Snapshotter } from './Snapshotter.js';
import { isDigest, shortId, type Digest, type ImageId } from './digest.js';
import type { ImageRecord } from './ImageRecord.js';
import { LayerStore } from './LayerStore.js';
import { withLease } from './lease.js';
import { isManifestType, parseConfig, parseManifest, type ContainerConfig, type Descriptor, type ImageConfig } from './manifest.js';
import { BUILD_CACHE, FROM_INDEX, MT, REF_NAME } from './mediaTypes.js';
import { familiarString, parseReference, parseTagReference, type ImageRef } from './reference.js';

/**
 * The image store: `<root>/content` (OCI layout; tags are index.json descriptors annotated
 * with org.opencontainers.image.ref.name = `busybox:latest`), `<root>/layers` (extracted
 * layers) and `<root>/snapshots` (container roots). An image with no tag keeps one
 * unannotated descriptor (Docker's `<none>:<none>`).
 */
export class ImageStore {
  readonly content: ContentStore;
  readonly layers: LayerStore;

  constructor(readonly root: string) {
    this.content = new ContentStore(path.join(root, 'content'));
    this.layers = new LayerStore(root);
  }

  /** Open (creating the layout if needed). */
  static open(root: string): ImageStore {
    const s = new ImageStore(root);
    fs.mkdirSync(root, { recursive: true });
    s.content.init();
    s.layers.init();
    fs.mkdirSync(path.join(root, 'snapshots'), { recursive: true });
    return s;
  }

  /** Hold a lease so GC leaves new content alone while `fn` runs. */
  lease<T>(fn: () => Promise<T>): Promise<T> {
    return withLease(this.content.dir, fn);
  }

  /** Every image, grouped by ID, newest first. */
  list(): ImageRecord[] {
    const byId = new Map<ImageId, ImageRecord>();
    for (const d of this.content.readIndex().manifests) {
      if (!isManifestType(d.mediaType) || !isDigest(d.digest) || !this.content.has(d.digest)) continue;
      let manifest;
      try {
        manifest = parseManifest(this.content.read(d.digest), `manifest ${d.digest}`);
      } catch {
        continue; // damaged: `system check` reports it
      }
      const id = manifest.config.digest;
      let rec = byId.get(id);
      if (!rec) {
        if (!this.content.has(id)) continue;
        let config;
        try {
          config = parseConfig(this.content.read(id), `config ${id}`);
        } catch {
          continue;
        }
        const size = config.rootfs.diff_ids.reduce((a, l) => a + (this.layers.info(l)?.size ?? 0), 0);
        const created = config.created ? Date.parse(config.created) / 1000 : 0;
        rec = { id, manifestDigests: [], indexDigests: [], manifest, config, tags: [], size, created: Number.isFinite(created) ? created : 0 };
        byId.set(id, rec);
      }
      if (!rec.manifestDigests.includes(d.digest)) rec.manifestDigests.push(d.digest);
      const from = d.annotations?.[FROM_INDEX];
      if (isDigest(from) && !rec.indexDigests.includes(from)) rec.indexDigests.push(from);
      const cacheOnly = !!d.annotations?.[BUILD_CACHE] && !d.annotations?.[REF_NAME];
      rec.buildCache = (rec.buildCache ?? true) && cacheOnly;
      const tag = d.annotations?.[REF_NAME];
      if (tag && !rec.tags.includes(tag)) rec.tags.push(tag);
    }
    return [...byId.values()].sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
  }

  /** Resolve a reference: full or short image ID, name[:tag], name@digest. */
  resolve(ref: string): ImageRecord {
    const images = this.list();
    const id = /^[a-f0-9]{64}$/.test(ref) ? `sha256:${ref}` : ref;
    if (isDigest(id)) {
      const hit = images.find((i) => i.id === id || i.manifestDigests.includes(id)) ?? images.find((i) => i.indexDigests.includes(id));
      if (hit) return hit;
      throw notFound(`No such image: ${ref}`);
    }
    let parsed: ImageRef | undefined;
    try {
      parsed = parseReference(ref);
    } catch {
      /* maybe an ID prefix */
    }
    if (parsed) {
      const want = familiarString({ repository: parsed.repository, tag: parsed.tag });
      const hit = parsed.digest
        ? images.find((i) => i.manifestDigests.includes(parsed!.digest!)) ?? images.find((i) => i.indexDigests.includes(parsed!.digest!))
        : images.find((i) => i.tags.some((t) => familiarString(parseReference(t)) === want));
      if (hit) return hit;
    }
    const hex = ref.replace(/^sha256:/, '');
    if (/^[a-f0-9]+$/.test(hex)) {
      const hits = images.filter((i) => i.id.slice(7).startsWith(hex));
      if (hits.length === 1) return hits[0];
      if (hits.length > 1) throw invalidArgument(`ambiguous image ID prefix ${ref}: matches ${hits.length} images`);
    }
    throw notFound(`No such image: ${ref}`);
  }

  /** The familiar tag `ref` names, when it names one that exists (not for IDs/digests). */
  tagFor(ref: string): string | undefined {
    if (/^(sha256:)?[a-f0-9]{64}$/.test(ref)) return undefined;
    try {
      const r = parseReference(ref);
      if (r.digest) return undefined;
      const want = familiarString(r);
      for (const img of this.list()) for (const t of img.tags) if (this.normTag(t) === want) return t;
    } catch {
      /* an ID prefix */
    }
    return undefined;
  }

  // ---- snapshots: what the engine calls -------------------------------------------

  /**
   * Create the container root `snapshots/<key>/{upper,work}` over the image's shared layer
   * dirs and return the overlay mount for the runtime to perform (nothing is mounted here).
   * See Snapshotter for how many layers fit (short `l/<id>` symlinks in lowerdir).
   */
  prepareSnapshot(key: string, imageRef: string): Promise<Mount[]> {
    return new Snapshotter(this).prepare(key, imageRef);
  }

  /** The mounts of an existing snapshot. */
  snapshotMounts(key: string): Mount[] {
    return new Snapshotter(this).mounts(key);
  }

  /** Remove a snapshot's dirs (after the container's mount is gone). */
  removeSnapshot(key: string): void {
    new Snapshotter(this).remove(key);
  }

  /** `docker diff`: changes in the snapshot's upper dir. */
  diffSnapshot(key: string): Change[] {
    return diffSnapshot(this, new Snapshotter(this), key);
  }

  /** `docker commit`: the upper dir becomes a new layer on the snapshot's image. */
  commitSnapshot(key: string, opts: CommitOptions = {}): Promise<ImageId> {
    return commitSnapshot(this, new Snapshotter(this), key, opts);
  }

  /** `docker export`: the snapshot's merged filesystem as a tar. */
  exportSnapshot(key: string, out: Writable, owners?: (uid: number, gid: number) => { uid: number; gid: number }): Promise<void> {
    return exportSnapshot(this, new Snapshotter(this), key, out, owners);
  }

  /** Read an image's config (Env, Cmd, Entrypoint, ... under `.config`). */
  imageConfig(ref: string): ImageConfig {
    return this.resolve(ref).config;
  }

  /** The runtime config (`Config`) of an image; always an object. */
  containerConfig(ref: string): ContainerConfig {
    return this.resolve(ref).config.config ?? {};
  }

  /**
   * Record a manifest (already in the store) under `tags` (familiar or full refs). Tags
   * move from whatever image had them; an image left without tags stays as `<none>`.
   */
  addManifest(desc: Descriptor, tags: string[], fromIndex?: Digest): void {
    const norm = tags.map((t) => familiarString(parseTagReference(t)));
    this.content.updateIndex((idx) => {
      const before = [...idx.manifests];
      const moved = new Set(norm);
      idx.manifests = idx.manifests.filter((d) => !(d.annotations?.[REF_NAME] && moved.has(this.normTag(d.annotations[REF_NAME]))));
      const base: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, ...(fromIndex ? { annotations: { [FROM_INDEX]: fromIndex } } : {}) };
      if (norm.length === 0) {
        if (!idx.manifests.some((d) => d.digest === desc.digest && d.annotations?.[FROM_INDEX] === fromIndex)) idx.manifests.push(base);
      } else {
        idx.manifests = idx.manifests.filter((d) => !(d.digest === desc.digest && !d.annotations?.[REF_NAME]));
        for (const t of norm) idx.manifests.push({ ...base, annotations: { ...base.annotations, [REF_NAME]: t } });
      }
      this.keepDangling(idx.manifests, before);
    });
  }

  private normTag(t: string): string {
    try {
      return familiarString(parseReference(t));
    } catch {
      return t;
    }
  }

  /** Every manifest that lost its last tag keeps one unannotated descriptor. */
  private keepDangling(ms: Descriptor[], before?: Descriptor[]): void {
    const seen = new Set(ms.map((d) => d.digest));
    for (const d of before ?? []) {
      if (!seen.has(d.digest)) {
        ms.push({ mediaType: d.mediaType, digest: d.digest, size: d.size });
        seen.add(d.digest);
      }
    }
  }

  /** `tag SOURCE TARGET`. */
  tag(source: string, target: string): void {
    const img = this.resolve(source);
    this.content.updateIndex((idx) => {
      const before = [...idx.manifests];
      const t = familiarString(parseTagReference(target));
      idx.manifests = idx.manifests.filter((d) => !(d.annotations?.[REF_NAME] && this.normTag(d.annotations[REF_NAME]) === t));
      idx.manifests = idx.manifests.filter((d) => !(d.digest === img.manifestDigests[0] && !d.annotations?.[REF_NAME]));
      idx.manifests.push({ ...this.manifestDescriptor(img.manifestDigests[0]), annotations: { [REF_NAME]: t } });
      this.keepDangling(idx.manifests, before);
    });
    recordEvent(this.root, 'image', 'tag', img.id, { name: familiarString(parseTagReference(target)) });
  }

  /** Remove one tag; returns true when the image now has no tags left. */
  untag(tag: string): boolean {
    const t = this.normTag(tag);
    return this.content.updateIndex((idx) => {
      const before = [...idx.manifests];
      const hit = idx.manifests.find((d) => d.annotations?.[REF_NAME] && this.normTag(d.annotations[REF_NAME]) === t);
      if (!hit) throw notFound(`No such image: ${tag}`);
      idx.manifests = idx.manifests.filter((d) => d !== hit);
      this.keepDangling(idx.manifests, before);
      return !idx.manifests.some((d) => d.digest === hit.digest && d.annotations?.[REF_NAME]);
    });
  }

  /** Drop every descriptor of an image from index.json (blobs go at the next GC). */
  forget(id: ImageId): void {
    this.content.updateIndex((idx) => {
      idx.manifests = idx.manifests.filter((d) => {
        if (!this.content.has(d.digest)) return true;
        try {
          return parseManifest(this.content.read(d.digest), d.digest).config.digest !== id;
        } catch {
          return true;
        }
      });
    });
  }

  /** IDs of containers (from `<root>/containers/*\/container.json`) per image. */
  usage(): Map<ImageId, string[]> {
    const m = new Map<ImageId, string[]>();
    const dir = path.join(this.root, 'containers');
    if (!fs.existsSync(dir)) return m;
    for (const n of fs.readdirSync(dir)) {
      try {
        const c = JSON.parse(fs.readFileSync(path.join(dir, n, 'container.json'), 'utf8')) as { Id?: string; Image?: string };
        if (c.Image && isDigest(c.Image)) m.set(c.Image, [...(m.get(c.Image) ?? []), String(c.Id ?? n)]);
      } catch {
        /* not a container */
      }
    }
    return m;
  }

  /** Throws Conflict when a container uses the image. */
  assertUnused(img: ImageRecord, ref: string): void {
    const users = this.usage().get(img.id);
    if (users?.length) {
      throw conflict(`conflict: unable to remove repository reference "${ref}" (must force) - container ${users[0].slice(0, 12)} is using its referenced image ${shortId(img.id)}`, { exitCode: 1 });
    }
  }

  /** A descriptor for a stored manifest (media type read from the manifest itself). */
  manifestDescriptor(d: Digest): Descriptor {
    const buf = this.content.read(d);
    const mt = (JSON.parse(buf.toString('utf8')) as { mediaType?: string }).mediaType;
    return { mediaType: mt ?? MT.ociManifest, digest: d, size: buf.length };
  }
}

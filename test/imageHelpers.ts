import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256, type ImageId } from '../src/image/digest.js';
import { newEntry, type TarEntry } from '../src/image/tar/TarEntry.js';
import { encodeHeader, END_OF_ARCHIVE, padFor } from '../src/image/tar/TarWriter.js';
import { importImage } from '../src/image/importImage.js';
import { ImageStore } from '../src/image/ImageStore.js';
import { busyboxRootfs, tmpDir } from './helpers.js';

let cachedTar: string | undefined;

/** A tar of busyboxRootfs(), built once per process (GNU tar, numeric owner root). */
export function busyboxTar(): string {
  if (cachedTar && fs.existsSync(cachedTar)) return cachedTar;
  const dir = tmpDir('berth-bbtar-');
  busyboxRootfs(path.join(dir, 'rootfs'));
  const tar = path.join(dir, 'busybox.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', path.join(dir, 'rootfs'), '-cf', tar, '.']);
  fs.rmSync(path.join(dir, 'rootfs'), { recursive: true, force: true });
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  cachedTar = tar;
  return tar;
}

/**
 * Create a busybox image in berth root `root` (as `berth import` would) and return its ID.
 * Cmd is `["sh"]`. Fast: the tar is cached, the layer is extracted once per root.
 */
export async function createBusyboxImage(root: string, tag = 'busybox:latest', changes: string[] = ['CMD ["sh"]']): Promise<ImageId> {
  const store = ImageStore.open(root);
  return importImage(store, fs.createReadStream(busyboxTar()), { tag, changes, source: 'busybox-static' });
}

/** A layer tar from entries (uses berth's own tar writer; bodies for regular files). */
export function layerTar(entries: [TarEntry, Buffer?][]): Buffer {
  const parts: Buffer[] = [];
  for (const [e, body] of entries) {
    const b = body ?? Buffer.alloc(0);
    parts.push(encodeHeader(e.type === 'file' ? { ...e, size: b.length } : e));
    if (e.type === 'file') parts.push(b, padFor(b.length));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** A docker-archive (what `docker save` writes) of one image made of `layers`. */
export function dockerArchive(layers: Buffer[], o: { tag?: string; config?: Record<string, unknown>; architecture?: string; variant?: string } = {}): Buffer {
  const diffIds = layers.map((l) => sha256(l));
  const cfg = Buffer.from(JSON.stringify({ architecture: o.architecture ?? 'amd64', ...(o.variant ? { variant: o.variant } : {}), os: 'linux', created: '2024-01-01T00:00:00Z', config: o.config ?? { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test' })) }));
  const cfgName = `${sha256(cfg).slice(7)}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: o.tag ? [o.tag] : null, Layers: diffIds.map((d) => `${d.slice(7)}/layer.tar`) }]));
  return layerTar([
    [newEntry({ name: cfgName, type: 'file' }), cfg],
    ...layers.map((l, i): [TarEntry, Buffer] => [newEntry({ name: `${diffIds[i].slice(7)}/layer.tar`, type: 'file' }), l]),
    [newEntry({ name: 'manifest.json', type: 'file' }), manifest],
  ]);
}

export { newEntry };

/**
 * A one-layer image in `root`: busybox plus `/data.bin` of `bytes` random bytes, gzip
 * compressed (random data does not shrink: the blob is about `bytes` big). Returns the ID.
 */
export async function createDataImage(root: string, tag: string, bytes: number): Promise<ImageId> {
  const dir = tmpDir('berth-dataimg-');
  try {
    busyboxRootfs(path.join(dir, 'rootfs'));
    fs.writeFileSync(path.join(dir, 'rootfs', 'data.bin'), crypto.randomBytes(bytes));
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', path.join(dir, 'rootfs'), '-czf', path.join(dir, 'layer.tgz'), '.']);
    return await importImage(ImageStore.open(root), fs.createReadStream(path.join(dir, 'layer.tgz')), { tag, changes: ['CMD ["sh"]'], source: 'test' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

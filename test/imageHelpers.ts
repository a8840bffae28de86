import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ImageId } from '../src/image/digest.js';
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

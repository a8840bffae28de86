/**
 * The infra container's image, made by berth from its own helper: one layer holding the
 * static helper as `/pause` (its `pause` mode: sleep, reap, exit on SIGTERM) and the empty
 * directories the runtime mounts on. Tagged by the helper's digest, so a rebuilt helper gets
 * a fresh image; nothing is pulled.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isBerthError } from '../../errors.js';
import { ImageStore } from '../../image/ImageStore.js';
import { importImage } from '../../image/importImage.js';
import { END_OF_ARCHIVE, encodeHeader, padFor } from '../../image/tar/TarWriter.js';
import { newEntry } from '../../image/tar/TarEntry.js';
import { helperPath } from '../../sys/paths.js';

export const PAUSE_REPO = 'localhost/berth-pause';

/** The layer: /pause (the helper) and /etc, /dev, /proc, /sys, /tmp. */
export function pauseLayer(helper: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const d of ['etc', 'dev', 'proc', 'sys', 'tmp']) parts.push(encodeHeader(newEntry({ name: d, type: 'dir', mode: d === 'tmp' ? 0o1777 : 0o755 })));
  parts.push(encodeHeader(newEntry({ name: 'pause', type: 'file', mode: 0o755, size: helper.length })), helper, padFor(helper.length));
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** The pause image's reference, imported on first use. */
export async function ensurePauseImage(root: string): Promise<string> {
  const helper = fs.readFileSync(helperPath);
  const tag = `${PAUSE_REPO}:${crypto.createHash('sha256').update(helper).digest('hex').slice(0, 12)}`;
  const images = new ImageStore(root);
  try {
    images.resolve(tag);
    return tag;
  } catch (e) {
    if (!isBerthError(e, 'NotFound')) throw e;
  }
  const layer = pauseLayer(helper);
  await importImage(images, (async function* () { yield layer; })(), { tag, changes: ['ENTRYPOINT ["/pause"]', 'STOPSIGNAL SIGTERM'], message: 'berth pod infra (pause)', source: 'berth-helper' });
  return tag;
}

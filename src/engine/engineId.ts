import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { createFileOnce } from '../sys/atomicWrite.js';

/**
 * `info`'s ID: a UUID made the first time it is asked for and kept in `<root>/engine-id`
 * (as dockerd keeps /var/lib/docker/engine-id), the same for every command on this root.
 * Empty when the root cannot hold it (read-only, not ours).
 */
export function engineId(root: string): string {
  const file = path.join(root, 'engine-id');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') return '';
  }
  try {
    fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    return createFileOnce(file, `${crypto.randomUUID()}\n`).trim();
  } catch {
    return '';
  }
}

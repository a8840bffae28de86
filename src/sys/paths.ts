import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's install directory (holds dist/ and native/build/). */
export const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The C helper binary built at install time. */
export const helperPath = process.env.BERTH_HELPER ?? path.join(projectDir, 'native', 'build', 'berth-helper');

/** berth's state root: --root, then BERTH_ROOT, then /var/lib/berth. */
export function resolveRoot(flag?: string): string {
  return path.resolve(flag ?? process.env.BERTH_ROOT ?? '/var/lib/berth');
}

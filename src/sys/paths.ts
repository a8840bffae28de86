import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's install directory (holds dist/ and native/): the nearest parent with native/Makefile,
 * wherever this module ended up (dist/src/sys/ from tsc, or a chunk of the bundled CLI). */
export const projectDir = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'native', 'Makefile')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

/** The C helper binary built at install time. */
export const helperPath = process.env.BERTH_HELPER ?? path.join(projectDir, 'native', 'build', 'berth-helper');

/** berth's state root: --root, then BERTH_ROOT, then /var/lib/berth. */
export function resolveRoot(flag?: string): string {
  return path.resolve(flag ?? process.env.BERTH_ROOT ?? '/var/lib/berth');
}

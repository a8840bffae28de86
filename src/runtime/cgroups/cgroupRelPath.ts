import { invalidArgument } from '../../errors.js';

export const DEFAULT_CGROUP_PARENT = 'berth';

/**
 * The cgroup path (relative to each hierarchy's root) for a container:
 * `berth/<id>`, or `<parent>/<id>` with `--cgroup-parent` (like Docker's `docker/<id>`).
 */
export function cgroupRelPath(containerId: string, cgroupParent?: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(containerId)) throw invalidArgument(`cgroup: container id ${JSON.stringify(containerId)} is not a valid cgroup name`);
  const parent = cgroupParent === undefined || cgroupParent === '' ? DEFAULT_CGROUP_PARENT : cgroupParent;
  return validateRelPath(`${parent.replace(/^\/+/, '')}/${containerId}`);
}

/** A relative path of plain names: no `..`, no empty parts, no control-file look-alikes. */
export function validateRelPath(relPath: string): string {
  const parts = relPath.replace(/^\/+|\/+$/g, '').split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || !/^[A-Za-z0-9_.@:-]+$/.test(p)) {
      throw invalidArgument(`cgroup path ${JSON.stringify(relPath)}: \`${p}\` is not a valid cgroup name`, { hint: 'use names like berth/<id> or myparent' });
    }
  }
  return parts.join('/');
}

import { invalidArgument, type BerthError } from '../errors.js';

/** The error for a layer entry that would escape its directory (or is otherwise hostile). */
export function unsafeEntry(name: string, why: string): BerthError {
  return invalidArgument(`refusing layer entry ${JSON.stringify(name)}: ${why}`, { code: 'layer.unsafe' });
}

/**
 * Split an archive path into clean components. Refuses NUL, absolute paths and `..`;
 * drops `.` and empty components. Returns [] for the root (`./`).
 */
export function entryComponents(name: string, what = name): string[] {
  if (name.includes('\0')) throw unsafeEntry(what, 'name contains NUL');
  if (name.startsWith('/')) throw unsafeEntry(what, 'absolute path');
  const comps = name.split('/').filter((c) => c !== '' && c !== '.');
  if (comps.includes('..')) throw unsafeEntry(what, 'path contains ".."');
  return comps;
}

/**
 * Lexically join a symlink target onto the directory holding the link (both as
 * components relative to the layer root). Returns undefined when the result would
 * leave the root.
 */
export function joinInside(dir: string[], target: string): string[] | undefined {
  const out = [...dir];
  for (const c of target.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(c);
  }
  return out;
}

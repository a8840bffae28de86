/** Detach keys on API attach and exec (`detachKeys` query, exec's DetachKeys): Docker's default ctrl-p,ctrl-q. */
import { DetachScanner, parseDetachKeys } from '../engine/detachKeys.js';
import { badRequest } from './errors.js';

/** A scanner for a TTY's input; a bad sequence is dockerd's 400. */
export function detachScanner(spec: string | undefined): DetachScanner {
  return new DetachScanner(detachKeys(spec));
}

export function detachKeys(spec: string | undefined): number[] {
  if (!spec) return [16, 17];
  try {
    return parseDetachKeys(spec);
  } catch {
    throw badRequest(`Invalid detach keys (${spec}) provided`);
  }
}

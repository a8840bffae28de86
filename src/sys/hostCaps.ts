import fs from 'node:fs';
import { hostBoundingSet } from '../runtime/capabilities.js';

/** The capability bounding set of this process (CapBnd in /proc/self/status). */
export function readHostBoundingSet(statusFile = '/proc/self/status'): bigint {
  return hostBoundingSet(fs.readFileSync(statusFile, 'utf8'));
}

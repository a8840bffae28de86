import fs from 'node:fs';
import { invalidArgument } from '../errors.js';

/** The CapBnd mask from the text of /proc/<pid>/status. */
export function hostBoundingSet(statusText: string): bigint {
  const m = /^CapBnd:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  if (!m) throw invalidArgument('no CapBnd line in /proc/self/status', { code: 'caps.host' });
  return BigInt(`0x${m[1]}`);
}

/** The capability bounding set of this process (CapBnd in /proc/self/status). */
export function readHostBoundingSet(statusFile = '/proc/self/status'): bigint {
  return hostBoundingSet(fs.readFileSync(statusFile, 'utf8'));
}

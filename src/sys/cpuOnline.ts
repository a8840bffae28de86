/** The host's online cpus and memory nodes (sysfs lists like `0-1`). */
import fs from 'node:fs';

export function onlineList(kind: 'cpus' | 'mems'): string {
  const file = kind === 'cpus' ? '/sys/devices/system/cpu/online' : '/sys/devices/system/node/online';
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return kind === 'mems' ? '0' : ''; // no NUMA directory: one node
  }
}

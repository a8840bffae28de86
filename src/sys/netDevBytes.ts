import fs from 'node:fs';

/**
 * Bytes received and sent on the interfaces (not lo) of the network namespace `pid` is in,
 * from /proc/<pid>/net/dev; undefined when the process is gone.
 */
export function netDevBytes(pid: number): { rx: number; tx: number } | undefined {
  try {
    let rx = 0, tx = 0;
    for (const line of fs.readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name.trim() === 'lo') continue;
      const f = rest.trim().split(/\s+/).map(Number);
      rx += f[0];
      tx += f[8];
    }
    return { rx, tx };
  } catch {
    return undefined;
  }
}

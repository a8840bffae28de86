import fs from 'node:fs';

/**
 * The process's file mode creation mask, read from /proc/self/status (kernel 4.7+) rather
 * than with umask(2), which must set a mask to read one and so races with other threads
 * creating files. Undefined when the kernel does not say.
 */
export function currentUmask(): number | undefined {
  try {
    const m = /^Umask:\s+([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? parseInt(m[1], 8) : undefined;
  } catch {
    return undefined;
  }
}

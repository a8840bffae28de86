import fs from 'node:fs';

/** The start time (clock ticks since boot, /proc/<pid>/stat field 22) of a process, or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when the process `pid` exists and (if given) started at `startTime` (guards pid reuse). */
export function processAlive(pid: number, startTime?: string): boolean {
  const st = processStartTime(pid);
  return st !== undefined && (startTime === undefined || st === startTime);
}

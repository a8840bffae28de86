import fs from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces and
 * parentheses, so it ends at the last ')'): [0] is field 3 (state), [19] field 22
 * (start time). Undefined when the process is gone.
 */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The start time (clock ticks since boot, /proc/<pid>/stat field 22) of a process, or undefined. */
export function processStartTime(pid: number): string | undefined {
  return procStatFields(pid)?.[19];
}

/** True when `pid` is a zombie (exited, not yet reaped) or gone altogether. */
export function isZombie(pid: number): boolean {
  const f = procStatFields(pid);
  return f === undefined || f[0] === 'Z';
}

/** True when the process `pid` exists and (if given) started at `startTime` (guards pid reuse). */
export function processAlive(pid: number, startTime?: string): boolean {
  const st = processStartTime(pid);
  return st !== undefined && (startTime === undefined || st === startTime);
}

/** What /proc says of a process (for `top`) and of the host's uptime. */
import fs from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat's times (100 on every Linux architecture berth runs on). */
export const CLOCK_TICKS = 100;

export interface ProcProcess {
  pid: number;
  ppid: string;
  /** The real uid (first field of Uid: in /proc/<pid>/status). */
  uid: string;
  /** The command name in /proc/<pid>/stat (a kernel thread's only name). */
  comm: string;
  /** argv from /proc/<pid>/cmdline; empty for a kernel thread or a zombie. */
  argv: string[];
  /** user + system CPU time, in clock ticks. */
  cpuTicks: number;
  /** Start time, in clock ticks since boot. */
  startTicks: number;
}

/** The process `pid`, or undefined when it is gone (or exits while being read). */
export function readProcess(pid: number): ProcProcess | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const uid = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
    return {
      pid, ppid: f[1], uid, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), argv,
      cpuTicks: Number(f[11]) + Number(f[12]), startTicks: Number(f[19]),
    };
  } catch {
    return undefined;
  }
}

/** Seconds since boot (/proc/uptime). */
export function uptimeSeconds(): number {
  return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

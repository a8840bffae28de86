import fs from 'node:fs';
import { invalidArgument } from '../../errors.js';
import { setErrorSink } from '../errorSink.js';

export interface RuncGlobals { log?: string; logFormat?: string; systemdCgroup?: boolean }

/** One line of runc's log (logrus): JSON `{"level","msg","time"}` or text `time="…" level=… msg="…"`. */
export function runcLogLine(level: string, msg: string, format: string, now = new Date()): string {
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  if (format === 'json') return JSON.stringify({ level, msg, time }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

/** runc's global flags that need doing before any verb: `--log`, `--log-format`, `--systemd-cgroup`. */
export function applyRuncGlobals(o: RuncGlobals, verb: string): void {
  const format = o.logFormat ?? 'text';
  if (format !== 'text' && format !== 'json') throw invalidArgument(`--log-format: \`${format}\` is not text or json`);
  const log = o.log;
  if (log) {
    setErrorSink((line) => {
      try {
        fs.appendFileSync(log, runcLogLine('error', `berth-runtime ${verb} failed: ${line}`, format));
      } catch { /* the log is best effort; the error went to stderr too */ }
    });
  }
  if (o.systemdCgroup) {
    throw invalidArgument('--systemd-cgroup: berth-runtime manages cgroups itself (cgroupfs), not through systemd', { hint: 'set SystemdCgroup = false in containerd\'s runtime options' });
  }
}

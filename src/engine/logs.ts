/** Reading the monitor's json-file logs (`<id>-json.log`, rotated to `.1`, `.2`, ...). */
import fs from 'node:fs';

export interface LogEntry { log: string; stream: 'stdout' | 'stderr'; time: string }

export interface LogOptions {
  tail?: number;
  since?: number;
  until?: number;
  timestamps?: boolean;
  follow?: boolean;
}

function parseLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch { /* a torn last line while following */ }
  }
  return out;
}

/** Files oldest first. */
export function logFiles(logPath: string): string[] {
  const rotated: string[] = [];
  for (let i = 1; fs.existsSync(`${logPath}.${i}`); i++) rotated.push(`${logPath}.${i}`);
  return [...rotated.reverse(), ...(fs.existsSync(logPath) ? [logPath] : [])];
}

function readSafe(f: string): string {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** `--since`/`--until`: RFC3339 times, Unix seconds, or durations relative to now (10m, 1h30m). */
export function parseTimeArg(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const rel = /^(\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/.test(v);
  if (rel) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)) ms += Number(m[1]) * mult[m[2]];
    return now - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`invalid time value ${v}`);
  return t;
}

export function formatEntry(e: LogEntry, timestamps: boolean): string {
  return timestamps ? `${e.time} ${e.log}` : e.log;
}

function keep(e: LogEntry, o: LogOptions): boolean {
  if (o.since === undefined && o.until === undefined) return true;
  const t = Date.parse(e.time);
  if (o.since !== undefined && t < o.since) return false;
  if (o.until !== undefined && t > o.until) return false;
  return true;
}

/** What is logged so far, filtered and tailed. */
export function readLogs(logPath: string, o: LogOptions): LogEntry[] {
  let all = logFiles(logPath).flatMap((f) => parseLines(readSafe(f))).filter((e) => keep(e, o));
  if (o.tail !== undefined && o.tail >= 0) all = o.tail === 0 ? [] : all.slice(-o.tail);
  return all;
}

/**
 * Follow the live file from `offset` until `done()` says the writer is finished; survives
 * rotation (the file is renamed to .1 and a new one starts: we finish the old inode first).
 */
export async function followLogs(logPath: string, offset: number, o: LogOptions, emit: (e: LogEntry) => void, done: () => boolean, wake?: Promise<unknown>): Promise<void> {
  let fd: number | undefined;
  let ino = -1;
  let pos = offset;
  let rest = '';
  const buf = Buffer.alloc(1 << 16);
  const open = () => {
    try {
      fd = fs.openSync(logPath, 'r');
      ino = fs.fstatSync(fd).ino;
    } catch {
      fd = undefined;
    }
  };
  const drain = () => {
    if (fd === undefined) return;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      pos += n;
      rest += buf.subarray(0, n).toString('utf8');
      const nl = rest.lastIndexOf('\n');
      if (nl < 0) continue;
      for (const e of parseLines(rest.slice(0, nl + 1))) if (keep(e, o)) emit(e);
      rest = rest.slice(nl + 1);
    }
  };
  open();
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const finished = done();
    drain();
    let rotated = false;
    try {
      rotated = fs.statSync(logPath).ino !== ino;
    } catch { /* not there yet */ }
    if (rotated) {
      if (fd !== undefined) fs.closeSync(fd);
      open();
      pos = 0;
      rest = '';
      delay = 5;
      continue;
    }
    if (finished) break;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, delay))), ...(wake ? [wake] : [])]);
    clearTimeout(timer);
  }
  if (fd !== undefined) fs.closeSync(fd);
}

export function logSize(logPath: string): number {
  try {
    return fs.statSync(logPath).size;
  } catch {
    return 0;
  }
}

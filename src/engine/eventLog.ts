/**
 * The event log every berth process appends to, so the daemonless CLI and `berth serve` see one
 * history (Docker's daemon keeps it in memory; berth has no daemon):
 *   <root>/events/events.jsonl     one JSON object a line, appended with O_APPEND in one write(2)
 *   <root>/events/events.1.jsonl   the previous generation, once the current one passes the size cap
 * A line is written whole by one write of less than a page-sized multiple on a local file system,
 * which the kernel serialises against every other O_APPEND writer: lines never interleave.
 */
import fs from 'node:fs';
import path from 'node:path';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'builder' | 'daemon';

export interface BerthEvent {
  type: EventType;
  action: string;
  /** The object: a container/network id, an image reference or id, a volume name. */
  id: string;
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch, as a decimal string (beyond a double's precision). */
  timeNano: string;
}

/** Past this size the log is rotated (one older generation is kept). */
export const EVENT_LOG_CAP = 8 * 1024 * 1024;
/** A longer attribute value is cut: a line stays well inside one write. */
const MAX_VALUE = 4096;

export function eventsDir(root: string): string {
  return path.join(root, 'events');
}
export function eventLogPath(root: string): string {
  return path.join(eventsDir(root), 'events.jsonl');
}
export function oldEventLogPath(root: string): string {
  return path.join(eventsDir(root), 'events.1.jsonl');
}

let lastNano = 0n;
/** Now in nanoseconds; strictly increasing within a process (so its own events keep their order). */
export function nowNano(): bigint {
  const ms = BigInt(Date.now());
  let t = ms * 1000000n + (process.hrtime.bigint() % 1000000n);
  if (t <= lastNano) t = lastNano + 1n;
  lastNano = t;
  return t;
}

function clean(attrs: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    const s = String(v);
    out[k.slice(0, 256)] = s.length > MAX_VALUE ? s.slice(0, MAX_VALUE) : s;
  }
  return out;
}

/**
 * Append one event. Never throws: an event that cannot be written (a read-only root, a full
 * disk) must not fail the operation it describes.
 */
export function recordEvent(root: string, type: EventType, action: string, id: string, attributes: Record<string, string | number | undefined> = {}, time?: bigint): BerthEvent | undefined {
  const ev: BerthEvent = { type, action, id, attributes: clean(attributes), timeNano: String(time ?? nowNano()) };
  try {
    appendLine(root, `${JSON.stringify(ev)}\n`);
    return ev;
  } catch {
    return undefined;
  }
}

function appendLine(root: string, line: string): void {
  const file = eventLogPath(root);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    fs.mkdirSync(eventsDir(root), { recursive: true, mode: 0o700 });
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  }
  try {
    fs.writeSync(fd, Buffer.from(line));
    const st = fs.fstatSync(fd);
    if (st.size > EVENT_LOG_CAP) rotate(root, st.ino);
  } finally {
    fs.closeSync(fd);
  }
}

/** Move the full log aside, unless another process did already (the path names another file now). */
function rotate(root: string, ino: number): void {
  try {
    if (fs.statSync(eventLogPath(root)).ino !== ino) return;
    fs.renameSync(eventLogPath(root), oldEventLogPath(root));
  } catch { /* another process rotated it */ }
}

/** Parse a line of the log; undefined for a torn or foreign line. */
export function parseEventLine(line: string): BerthEvent | undefined {
  if (!line) return undefined;
  try {
    const e = JSON.parse(line) as BerthEvent;
    if (!e || typeof e.type !== 'string' || typeof e.action !== 'string' || typeof e.timeNano !== 'string' || !/^\d+$/.test(e.timeNano)) return undefined;
    if (typeof e.id !== 'string') e.id = '';
    if (!e.attributes || typeof e.attributes !== 'object') e.attributes = {};
    return e;
  } catch {
    return undefined;
  }
}

function readLines(file: string, upTo?: { ino: number; offset: number }): BerthEvent[] {
  let text: string;
  try {
    if (!upTo) text = fs.readFileSync(file, 'utf8');
    else {
      const fd = fs.openSync(file, 'r');
      try {
        if (fs.fstatSync(fd).ino !== upTo.ino) return [];
        const buf = Buffer.alloc(upTo.offset);
        const n = upTo.offset ? fs.readSync(fd, buf, 0, upTo.offset, 0) : 0;
        text = buf.subarray(0, n).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch {
    return [];
  }
  const out: BerthEvent[] = [];
  for (const l of text.split('\n')) {
    const e = parseEventLine(l);
    if (e) out.push(e);
  }
  return out;
}

/**
 * Every event recorded so far (both generations), in the order written; with `upTo` (a
 * follower's start) only what the current generation held then.
 */
export function readEvents(root: string, upTo?: { ino: number; offset: number }): BerthEvent[] {
  return [...readLines(oldEventLogPath(root)), ...readLines(eventLogPath(root), upTo)];
}

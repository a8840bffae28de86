/**
 * Tail the event log: the events appended after `start()`, as they come (fs.watch on the
 * directory, and a poll besides: a watch misses events on some file systems). Follows a rotation:
 * the old generation is read to its end before the new one is read from its start.
 */
import fs from 'node:fs';
import { eventLogPath, eventsDir, parseEventLine, type BerthEvent } from './eventLog.js';

export interface Follower {
  /** Where following started: the current generation's inode and size then (history is what lies before). */
  start: { ino: number; offset: number };
  /** Read what is new now (also called by the watch and the poll). */
  poll(): void;
  stop(): void;
}

export interface FollowOptions {
  /** Called before each poll: berth looks at containers' exits there (die events no process saw). */
  beforePoll?: () => void;
  pollMs?: number;
}

/** Start following at the log's current end; `onEvent` sees each new event once, in file order. */
export function followEvents(root: string, onEvent: (e: BerthEvent) => void, o: FollowOptions = {}): Follower {
  const file = eventLogPath(root);
  let fd: number | undefined;
  let ino = -1;
  let offset = 0;
  let partial = '';
  let stopped = false;
  let busy = false;

  const open = (atEnd: boolean): boolean => {
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      fd = undefined;
      return false;
    }
    const st = fs.fstatSync(fd);
    ino = st.ino;
    offset = atEnd ? st.size : 0;
    partial = '';
    return true;
  };

  const drain = (): void => {
    if (fd === undefined) return;
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, offset);
      if (n <= 0) break;
      offset += n;
      const text = partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const e = parseEventLine(l);
        if (e && !stopped) onEvent(e);
      }
    }
  };

  const poll = (): void => {
    if (stopped || busy) return;
    busy = true;
    try {
      o.beforePoll?.();
      if (fd === undefined) {
        if (!open(false)) return;
      }
      drain();
      let now: fs.Stats | undefined;
      try {
        now = fs.statSync(file);
      } catch { /* rotated, the new one not made yet */ }
      if (!now || now.ino !== ino) {
        drain(); // what was appended to the old generation before the rename
        fs.closeSync(fd!);
        fd = undefined;
        if (now && open(false)) drain();
      }
    } finally {
      busy = false;
    }
  };

  fs.mkdirSync(eventsDir(root), { recursive: true, mode: 0o700 });
  open(true);
  const start = { ino, offset };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(eventsDir(root), { persistent: false }, () => poll());
    watcher.on('error', () => undefined);
  } catch { /* the poll alone */ }
  const timer = setInterval(poll, o.pollMs ?? 250);
  return {
    start,
    poll,
    stop() {
      stopped = true;
      clearInterval(timer);
      watcher?.close();
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}

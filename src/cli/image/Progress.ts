import { humanSize } from '../format/units.js';
import type { Reporter } from '../../registry/Reporter.js';

/** Where progress goes: the CLI's stdout, or nothing. */
export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** Docker's `Downloading [=====>     ]  12.3MB/40MB`. */
export function bar(done: number, total: number): string {
  if (!(total > 0)) return humanSize(done);
  const w = 50;
  const f = Math.min(w, Math.floor((done / total) * w));
  const b = f >= w ? '='.repeat(w) : '='.repeat(f) + '>' + ' '.repeat(w - f - 1);
  return `[${b}]  ${humanSize(done)}/${humanSize(total)}`;
}

/**
 * Docker-style progress: one line per layer (`9ad63333ebc9: Pull complete`). On a TTY the
 * layer's line is rewritten in place; otherwise each status change is one plain line and
 * byte counts are not printed. Quiet prints nothing.
 */
export class Progress implements Reporter {
  private ids: string[] = [];
  private last = new Map<string, string>();
  private readonly tty: boolean;

  constructor(private readonly out: ProgressSink | undefined) {
    this.tty = !!out?.isTTY;
  }

  /** A line that is not a layer's (`latest: Pulling from library/busybox`). */
  line(s: string): void {
    this.out?.write(`${s}\n`);
    if (this.tty) this.ids = [];
  }

  /** Set a layer's status; the byte count (a bar) is shown on a TTY only. */
  layer(id: string, status: string, bytes?: { done: number; total: number }): void {
    if (!this.out) return;
    const text = `${id}: ${status}${bytes && this.tty ? ` ${bar(bytes.done, bytes.total)}` : ''}`;
    if (!this.tty) {
      if (this.last.get(id) === status) return;
      this.last.set(id, status);
      this.out.write(`${text}\n`);
      return;
    }
    const i = this.ids.indexOf(id);
    if (i < 0) {
      this.ids.push(id);
      this.out.write(`${text}\n`);
      return;
    }
    const up = this.ids.length - i;
    this.out.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
  }
}

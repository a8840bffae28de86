import type { Reporter } from '../../registry/Reporter.js';
import { humanSize } from '../format/units.js';

/** Where progress goes: the CLI's stdout, or nothing. */
export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Docker's units.HumanSize: decimal units, 4 significant digits (`2.349MB`). */
const size = (n: number): string => humanSize(n, 4);

/** Docker's `[=====>      ]  12.3MB/40MB` (jsonmessage's progress bar, 50 wide). */
export function bar(done: number, total: number): string {
  if (!(total > 0)) return size(done);
  const f = Math.max(0, Math.min(50, Math.floor((done / total) * 50)));
  return `[${'='.repeat(f)}>${' '.repeat(50 - f)}] ${size(done).padStart(8)}/${size(total)}`;
}

/**
 * Docker-style progress (the docker CLI's jsonmessage display): one line per layer
 * (`9ad63333ebc9: Pull complete`). On a TTY a layer's line is redrawn in place (cursor up,
 * clear line, the new text, cursor back down), statuses with bytes get a bar; a line that is
 * not a layer's starts a new block. Not on a TTY each status change is one plain line and
 * statuses with a byte count (`Downloading`, `Pushing`, `Extracting`) are not printed at all,
 * as the docker CLI leaves progress bars out. Quiet prints nothing.
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
    if (!this.tty) {
      if (bytes || this.last.get(id) === status) return;
      this.last.set(id, status);
      this.out.write(`${id}: ${status}\n`);
      return;
    }
    let text = `${id}: ${status}${bytes ? ` ${bar(bytes.done, bytes.total)}` : ''}`;
    // a line that wraps would break the cursor arithmetic
    const cols = this.out.columns ?? 0;
    if (cols > 20 && text.length >= cols) text = text.slice(0, cols - 1);
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

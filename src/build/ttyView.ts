/**
 * The TTY progress view (BuildKit's `--progress=tty`): a frame redrawn in place (cursor up,
 * clear to the end, reprint) at most every 100 ms and on each step's start and end —
 *
 *   [+] Building 1.2s (3/5)
 *    => [1/3] FROM busybox                        0.0s
 *    => CACHED [2/3] COPY a /a                    0.0s
 *    => [3/3] RUN make                            0.8s
 *    => => # 0.512 compiling...
 *
 * A running step shows its last lines of output; a finished one collapses to its line. When
 * the build ends the last frame stays, says FINISHED (or not, on failure) and each failed
 * step's output follows in full, as BuildKit prints it.
 */
const TAIL = 6;
const secs = (ns: bigint) => `${(Number(ns) / 1e9).toFixed(1)}s`;

interface Entry { id: number; title: string; t0: bigint; t1?: bigint; state: 'running' | 'cached' | 'done' | 'error'; lines: string[]; error?: string }

export interface ViewStep {
  line(text: string): void;
  end(state: 'cached' | 'done' | 'error', error?: string): void;
}

export class TtyView {
  private readonly entries: Entry[] = [];
  private drawn = 0;
  private readonly t0 = process.hrtime.bigint();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly out: NodeJS.WritableStream & { columns?: number }) {}

  add(id: number, title: string): ViewStep {
    const e: Entry = { id, title, t0: process.hrtime.bigint(), state: 'running', lines: [] };
    this.entries.push(e);
    this.render();
    this.tick();
    return {
      line: (t) => { e.lines.push(t); this.tick(); },
      end: (state, error) => { e.state = state; e.error = error; e.t1 = process.hrtime.bigint(); this.render(); },
    };
  }

  /** Text printed above the frame (which is then drawn again below it). */
  log(text: string): void {
    if (this.closed) return void this.out.write(`${text}\n`);
    this.out.write(`${this.erase()}${text}\n`);
    this.drawn = 0;
    this.render();
  }

  close(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.entries.length) this.render(true);
    this.closed = true;
    for (const e of this.entries.filter((x) => x.state === 'error')) {
      this.out.write(`------\n > ${e.title}:\n${e.lines.map((l) => `${l}\n`).join('')}------\nERROR: ${e.error ?? 'failed'}\n`);
    }
  }

  /** A redraw within 100 ms (durations move on, output arrives). */
  private tick(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
      if (this.entries.some((e) => e.state === 'running')) this.tick();
    }, 100);
    this.timer.unref();
  }

  private erase(): string {
    return `${this.drawn ? `\x1b[${this.drawn}A\r` : '\r'}\x1b[J`;
  }

  private render(final = false): void {
    if (this.closed) return;
    const now = process.hrtime.bigint();
    const cols = Math.max(40, this.out.columns ?? 80);
    const fin = this.entries.filter((e) => e.state !== 'running').length;
    const failed = this.entries.some((e) => e.state === 'error');
    const lines = [`[+] Building ${secs(now - this.t0)} (${fin}/${this.entries.length})${final && !failed ? ' FINISHED' : ''}`];
    for (const e of this.entries) {
      const tag = e.state === 'cached' ? 'CACHED ' : e.state === 'error' ? 'ERROR ' : '';
      lines.push(fit(` => ${tag}${e.title}`, e.state === 'cached' ? '0.0s' : secs((e.t1 ?? now) - e.t0), cols));
      if (e.state === 'running' && !final) for (const l of e.lines.slice(-TAIL)) lines.push(fit(` => => # ${l}`, '', cols));
    }
    this.out.write(`${this.erase()}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

/** `text` cut to fit the terminal, `right` aligned at its edge. */
function fit(text: string, right: string, cols: number): string {
  const flat = text.replace(/[\x00-\x1f\x7f]/g, ' ');
  const room = cols - right.length - 1;
  const left = flat.length > room ? `${flat.slice(0, room - 3)}...` : flat;
  return right ? `${left.padEnd(room)} ${right}` : left;
}

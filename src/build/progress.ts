/**
 * Build progress as BuildKit shows it. `plain`: `#N [stage i/n] INSTRUCTION`, the step's
 * output lines with seconds since it began, then `#N CACHED`, `#N DONE 0.3s` or
 * `#N ERROR: ...`. `tty` (./ttyView.ts): one line per step redrawn in place, the last lines
 * of a running step's output under it, collapsed once it finishes; a failed step's output is
 * printed in full at the end. `quiet` keeps each step's output and prints it only when that
 * step fails.
 */
import { TtyView, type ViewStep } from './ttyView.js';

export type ProgressMode = 'plain' | 'tty' | 'quiet';

export class Progress {
  private n = 0;
  private readonly view?: TtyView;
  readonly quiet: boolean;

  constructor(private readonly out: NodeJS.WritableStream, quiet: boolean, mode: ProgressMode = 'plain') {
    this.quiet = quiet || mode === 'quiet';
    if (!this.quiet && mode === 'tty') this.view = new TtyView(out);
  }

  private write(s: string, force = false): void {
    if (!this.quiet || force) this.out.write(s);
  }

  step(title: string): Step {
    const id = ++this.n;
    if (this.view) return new Step(id, title, this.quiet, () => undefined, this.view.add(id, title));
    this.write(`#${id} ${title}\n`);
    return new Step(id, title, this.quiet, (s, force) => this.write(s, force));
  }

  /** A line that belongs to no step (pull progress): above the view on a TTY. */
  log(text: string): void {
    if (this.view) this.view.log(text);
    else this.write(`${text}\n`);
  }

  /** The build is over (either way): the TTY view's last frame, and any failed step's output. */
  close(): void {
    this.view?.close();
  }
}

export class Step {
  private readonly t0 = process.hrtime.bigint();
  private partial = '';
  private kept: string[] = [];
  constructor(readonly id: number, readonly title: string, private readonly quiet: boolean, private readonly write: (s: string, force?: boolean) => void, private readonly view?: ViewStep) {}

  private secs(): string {
    return (Number(process.hrtime.bigint() - this.t0) / 1e9).toFixed(3);
  }

  /** Process output: printed line by line with the time since the step began. */
  output(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.line(l);
  }

  line(l: string): void {
    if (this.view) return this.view.line(`${this.secs()} ${l}`);
    const s = `#${this.id} ${this.secs()} ${l}\n`;
    this.kept.push(s);
    this.write(s);
  }

  private flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  cached(): void {
    if (this.view) return this.view.end('cached');
    this.write(`#${this.id} CACHED\n\n`);
  }

  done(): void {
    this.flush();
    if (this.view) return this.view.end('done');
    this.write(`#${this.id} DONE ${(Number(process.hrtime.bigint() - this.t0) / 1e9).toFixed(1)}s\n\n`);
  }

  /** The step failed: its output (also in quiet mode) and the error. */
  error(msg: string): void {
    this.flush();
    if (this.view) return this.view.end('error', msg);
    if (this.quiet && this.kept.length) this.write(this.kept.join(''), true);
    this.write(`#${this.id} ERROR: ${msg}\n`, true);
  }
}

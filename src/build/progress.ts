/**
 * BuildKit's plain progress: `#N [stage i/n] INSTRUCTION`, the step's output lines with
 * seconds since it began, then `#N CACHED`, `#N DONE 0.3s` or `#N ERROR: ...`. Quiet mode
 * keeps each step's output and prints it only when that step fails.
 */
export class Progress {
  private n = 0;
  constructor(private readonly out: NodeJS.WritableStream, readonly quiet: boolean) {}

  private write(s: string, force = false): void {
    if (!this.quiet || force) this.out.write(s);
  }

  step(title: string): Step {
    const id = ++this.n;
    this.write(`#${id} ${title}\n`);
    return new Step(id, this.quiet, (s, force) => this.write(s, force));
  }
}

export class Step {
  private readonly t0 = process.hrtime.bigint();
  private partial = '';
  private kept: string[] = [];
  constructor(readonly id: number, private readonly quiet: boolean, private readonly write: (s: string, force?: boolean) => void) {}

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
    const s = `#${this.id} ${this.secs()} ${l}\n`;
    this.kept.push(s);
    this.write(s);
  }

  private flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  cached(): void {
    this.write(`#${this.id} CACHED\n\n`);
  }

  done(): void {
    this.flush();
    this.write(`#${this.id} DONE ${(Number(process.hrtime.bigint() - this.t0) / 1e9).toFixed(1)}s\n\n`);
  }

  /** The step failed: its output (also in quiet mode) and the error. */
  error(msg: string): void {
    this.flush();
    if (this.quiet && this.kept.length) this.write(this.kept.join(''), true);
    this.write(`#${this.id} ERROR: ${msg}\n`, true);
  }
}

/**
 * Docker's JSON-lines progress answers (pull, push, load, build): the stream opens with the
 * first message, so an error before it is an ordinary HTTP error status (404 for a pull of
 * nothing); an error after it is the last line, `{"errorDetail":{"message":…},"error":…}`.
 */
import type { Reporter } from '../registry/Reporter.js';
import { messageFor } from './errors.js';
import type { Exchange, Hijacked } from './exchange.js';

export class JsonStream implements Reporter {
  private out?: Hijacked;
  private held: Record<string, unknown>[] = [];
  /** `holdLines`: plain status lines wait for the first layer (dockerd resolves a pull before it answers, so a missing image is a 404). */
  constructor(private readonly x: Exchange, private readonly holdLines = false) {}

  get started(): boolean {
    return !!this.out;
  }

  send(msg: Record<string, unknown>): void {
    this.out ??= this.x.stream(200, 'application/json');
    for (const h of this.held.splice(0)) this.out.write(`${JSON.stringify(h)}\n`);
    this.out.write(`${JSON.stringify(msg)}\n`);
  }

  line(s: string): void {
    if (this.holdLines && !this.out) this.held.push({ status: s });
    else this.send({ status: s });
  }

  layer(id: string, status: string, bytes?: { done: number; total: number }): void {
    this.send({ status, progressDetail: bytes ? { current: bytes.done, total: bytes.total } : {}, id });
  }

  end(): void {
    this.out ??= this.x.stream(200, 'application/json');
    for (const h of this.held.splice(0)) this.out.write(`${JSON.stringify(h)}\n`);
    this.out.end();
  }

  /** Run `fn`; what it throws after the stream began becomes the error line. */
  async run(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (!this.out) throw e;
      const message = messageFor(e);
      this.send({ errorDetail: { message }, error: message });
    }
    this.end();
  }
}

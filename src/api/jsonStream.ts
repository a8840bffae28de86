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
  constructor(private readonly x: Exchange) {}

  get started(): boolean {
    return !!this.out;
  }

  send(msg: Record<string, unknown>): void {
    this.out ??= this.x.stream(200, 'application/json');
    this.out.write(`${JSON.stringify(msg)}\n`);
  }

  line(s: string): void {
    this.send({ status: s });
  }

  layer(id: string, status: string, bytes?: { done: number; total: number }): void {
    this.send({ status, progressDetail: bytes ? { current: bytes.done, total: bytes.total } : {}, id });
  }

  end(): void {
    this.out ??= this.x.stream(200, 'application/json');
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

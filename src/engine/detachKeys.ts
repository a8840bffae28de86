/** `--detach-keys`: Docker's key sequence syntax (moby/term ToBytes), checked when the flag is parsed. */
import { invalidArgument } from '../errors.js';

/**
 * `ctrl-p,ctrl-q`, `a`, `ctrl-@` -> the bytes to match. Throws a usage error (exit 125) naming
 * the flag, so a bad sequence stops the command before anything is created.
 */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1] === '@' ? 0 : m[1].charCodeAt(0) >= 97 ? m[1].charCodeAt(0) - 96 : m[1].charCodeAt(0) - 64;
    if (k.length === 1) return k.charCodeAt(0);
    throw invalidArgument(`invalid argument "${spec}" for "--detach-keys" flag: invalid detach key "${k}" (a character or ctrl-<a-z @ [ \\ ] ^ _>, comma-separated)`, { exitCode: 125, code: 'flag.detachKeys' });
  });
}

/** commander's argParser for `--detach-keys`: the text, once it parses (empty: Docker's default). */
export function detachKeysFlag(value: string): string {
  if (value !== '') parseDetachKeys(value);
  return value;
}

/**
 * Docker's escape proxy on a TTY's input: the bytes to forward, until the whole sequence is
 * typed (then `detached`, and the sequence itself is never forwarded). A partial match is
 * held back and forwarded as soon as a byte breaks it.
 */
export class DetachScanner {
  detached = false;
  private held = 0;
  constructor(private readonly keys: readonly number[]) {}

  push(d: Buffer): Buffer {
    if (this.detached) return Buffer.alloc(0);
    if (!this.keys.length) return d;
    const out: number[] = [];
    for (const b of d) {
      if (b !== this.keys[this.held]) {
        for (let i = 0; i < this.held; i++) out.push(this.keys[i]);
        this.held = 0;
      }
      if (b === this.keys[this.held]) {
        if (++this.held === this.keys.length) {
          this.detached = true;
          break;
        }
      } else out.push(b);
    }
    return Buffer.from(out);
  }
}

/**
 * `--detach-keys` (`ctrl-p,ctrl-q`, `a`, `ctrl-@`): the byte sequence that detaches a client
 * from a container. Parsed where the flag is read, so a bad value stops the command before
 * anything is created.
 */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1] === '@' ? 0 : m[1].charCodeAt(0) >= 97 ? m[1].charCodeAt(0) - 96 : m[1].charCodeAt(0) - 64;
    if (k.length === 1) return k.charCodeAt(0);
    throw new Error(`Invalid detach keys (${spec}) provided`);
  });
}

import { compileSeccomp } from './seccomp/compile.js';

/** The OCI linux.seccomp section -> the helper's filter. */
export function compileSeccompFor(profile: Record<string, unknown>): { program: Uint8Array; flags: number } {
  const r = compileSeccomp(profile as never);
  return { program: r.program, flags: r.flags };
}

import path from 'node:path';
import { compileSeccompCached } from './seccomp/cache.js';

/**
 * The OCI linux.seccomp section -> the helper's filter, compiled once per content hash:
 * a start with a cached program loads neither the compiler nor the syscall tables.
 */
export async function compileSeccompFor(profile: Record<string, unknown>, runtimeRoot: string): Promise<{ program: Uint8Array; flags: number }> {
  const r = await compileSeccompCached(profile, 'x86_64', { cacheDir: path.join(runtimeRoot, '.cache', 'seccomp') });
  return { program: r.program, flags: r.flags };
}

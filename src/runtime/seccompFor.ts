import path from 'node:path';
import { compileSeccompCached } from './seccomp/cache.js';

/** Under berth's root (<root>/cache/seccomp) when the runtime lives at <root>/runtime, else beside the state. */
function cacheDirFor(runtimeRoot: string): string {
  return path.basename(runtimeRoot) === 'runtime'
    ? path.join(path.dirname(runtimeRoot), 'cache', 'seccomp')
    : path.join(runtimeRoot, '.cache', 'seccomp');
}

/**
 * The OCI linux.seccomp section -> the helper's filter, compiled once per content hash:
 * a start with a cached program loads neither the compiler nor the syscall tables.
 */
export async function compileSeccompFor(profile: Record<string, unknown>, runtimeRoot: string): Promise<{ program: Uint8Array; flags: number }> {
  const r = await compileSeccompCached(profile, 'x86_64', { cacheDir: cacheDirFor(runtimeRoot) });
  return { program: r.program, flags: r.flags };
}

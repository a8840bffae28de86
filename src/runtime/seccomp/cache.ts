import fs from 'node:fs';
import path from 'node:path';
import { atomicWriteFileSync } from '../../sys/atomicWrite.js';
import type { CompileOptions } from './compile.js';

export interface CompiledSeccomp {
  /** struct sock_filter[]: 8-byte little-endian records. */
  program: Buffer;
  /** SECCOMP_FILTER_FLAG_* for seccomp(2). */
  flags: number;
}

/**
 * Compiled programs by content: the canonical JSON of everything a program
 * depends on is the key. Files are named by a fast hash of it and hold the key
 * itself, which a hit must match exactly: a hash collision costs a recompile,
 * never a wrong filter. (No node:crypto: loading it costs a CLI start ~5 ms.)
 */
export interface CacheKey {
  json: string;
  name: string;
}

const memory = new Map<string, CompiledSeccomp>();
const MAX_MEMORY = 64;

/** Bump when the generated code changes, so old cache entries are not reused. */
const COMPILER_VERSION = 2; // 2: the tables know the syscalls newer than the 6.1 headers
const ARCH_ALIASES: Record<string, string> = { amd64: 'x86_64', x64: 'x86_64', arm64: 'aarch64' };

/** The cache key of a compile: the profile and everything else the program depends on. */
export function compileKey(profile: unknown, arch: string, caps: readonly string[] | undefined, kernel: string | undefined): CacheKey {
  const a = arch.toLowerCase();
  return contentKey({ v: COMPILER_VERSION, profile, arch: ARCH_ALIASES[a] ?? a, caps: caps ?? null, kernel: kernel ?? null });
}

export function contentKey(parts: unknown): CacheKey {
  let json: string;
  try {
    json = JSON.stringify(parts); // native and fast; a replacer costs ~10x on a cold start
  } catch {
    json = JSON.stringify(parts, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)); // bigint argument values
  }
  return { json, name: fnv1a(json) };
}

/**
 * Two 32-bit FNV-1a lanes over the length and every 4th UTF-16 code unit: a file
 * name, not a proof (a hit compares the whole key), and cheap before the JIT warms up.
 */
function fnv1a(s: string): string {
  let a = 0x811c9dc5 ^ s.length;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i += 4) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export function cacheGet(key: CacheKey, dir?: string): CompiledSeccomp | undefined {
  const m = memory.get(key.json);
  if (m) return m;
  if (!dir) return undefined;
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, `${key.name}.json`), 'utf8')) as { key?: unknown; flags?: unknown; program?: unknown };
    if (raw.key !== key.json || typeof raw.flags !== 'number' || typeof raw.program !== 'string') return undefined;
    const program = Buffer.from(raw.program, 'hex'); // stops at the first non-hex character
    if (program.length === 0 || program.length % 8 !== 0 || program.length * 2 !== raw.program.length) return undefined;
    const c = { flags: raw.flags, program };
    remember(key, c);
    return c;
  } catch {
    return undefined; // missing or unreadable: compile again
  }
}

export function cachePut(key: CacheKey, c: CompiledSeccomp, dir?: string): void {
  remember(key, c);
  if (!dir) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    atomicWriteFileSync(path.join(dir, `${key.name}.json`), JSON.stringify({ key: key.json, flags: c.flags, program: c.program.toString('hex') }));
  } catch {
    // A cache that cannot be written only costs a recompile next time.
  }
}

function remember(key: CacheKey, c: CompiledSeccomp): void {
  if (memory.size >= MAX_MEMORY) memory.delete(memory.keys().next().value!);
  memory.set(key.json, c);
}

/** For tests and benchmarks: forget the in-memory entries. */
export function clearMemoryCache(): void {
  memory.clear();
}

/**
 * compileSeccomp for a process that compiles once (a CLI start): a hit in the
 * on-disk cache costs the key and one file read, without loading the compiler
 * (this module is all it loads); only a miss imports it. Same keys and results as compileSeccomp.
 */
export async function compileSeccompCached(profile: unknown, arch = 'x86_64', opts: CompileOptions = {}): Promise<CompiledSeccomp> {
  const hit = cacheGet(compileKey(profile, arch, opts.caps, opts.kernel), opts.cacheDir);
  if (hit) return hit;
  const { compileSeccomp } = await import('./compile.js');
  return compileSeccomp(profile, arch, opts);
}

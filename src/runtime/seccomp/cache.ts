import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { atomicWriteFileSync } from '../../sys/atomicWrite.js';

export interface CompiledSeccomp {
  /** struct sock_filter[]: 8-byte little-endian records. */
  program: Buffer;
  /** SECCOMP_FILTER_FLAG_* for seccomp(2). */
  flags: number;
}

const memory = new Map<string, CompiledSeccomp>();
const MAX_MEMORY = 64;

/** sha256 over the canonical JSON of everything the program depends on. */
export function contentKey(parts: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(parts); // native and fast; a replacer costs ~10x on a cold start
  } catch {
    json = JSON.stringify(parts, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)); // bigint argument values
  }
  return crypto.createHash('sha256').update(json).digest('hex');
}

export function cacheGet(key: string, dir?: string): CompiledSeccomp | undefined {
  const m = memory.get(key);
  if (m) return m;
  if (!dir) return undefined;
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, `${key}.json`), 'utf8')) as { flags?: unknown; program?: unknown };
    if (typeof raw.flags !== 'number' || typeof raw.program !== 'string' || !/^([0-9a-f]{16})+$/.test(raw.program)) return undefined;
    const c = { flags: raw.flags, program: Buffer.from(raw.program, 'hex') };
    remember(key, c);
    return c;
  } catch {
    return undefined; // missing or unreadable: compile again
  }
}

export function cachePut(key: string, c: CompiledSeccomp, dir?: string): void {
  remember(key, c);
  if (!dir) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    atomicWriteFileSync(path.join(dir, `${key}.json`), JSON.stringify({ flags: c.flags, program: c.program.toString('hex') }));
  } catch {
    // A cache that cannot be written only costs a recompile next time.
  }
}

function remember(key: string, c: CompiledSeccomp): void {
  if (memory.size >= MAX_MEMORY) memory.delete(memory.keys().next().value!);
  memory.set(key, c);
}

/** For tests and benchmarks: forget the in-memory entries. */
export function clearMemoryCache(): void {
  memory.clear();
}

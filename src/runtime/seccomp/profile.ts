import { invalidArgument } from '../../errors.js';
import { SECCOMP_FILTER_FLAG, SECCOMP_RET } from './bpf.js';
import type { SyscallArch } from './syscallTables.js';

/**
 * Seccomp profiles as users write them: the OCI runtime-spec `linux.seccomp`
 * object, or Docker's profile JSON (archMap, includes/excludes by capability).
 * Validated by hand (no schema library): `berth runtime run` loads this module
 * on every start.
 */
export interface SeccompArg {
  index: number;
  value: number | string | bigint;
  valueTwo?: number | string | bigint;
  op: string;
}
export interface SeccompFilter {
  caps?: string[] | null;
  arches?: string[] | null;
  minKernel?: string | null;
}
export interface SeccompRule {
  names?: string[] | null;
  name?: string | null;
  action: string;
  errnoRet?: number | null;
  args?: SeccompArg[] | null;
  includes?: SeccompFilter | null;
  excludes?: SeccompFilter | null;
  comment?: string | null;
}
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number | null;
  architectures?: string[] | null;
  archMap?: { architecture: string; subArchitectures?: string[] | null }[] | null;
  flags?: string[] | null;
  listenerPath?: string | null;
  syscalls?: SeccompRule[] | null;
}

class Bad extends Error {}
type Rec = Record<string, unknown>;
const fail = (at: string, what: string): never => {
  throw new Bad(`${at || '(root)'}: ${what}`);
};
const isObj = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

function obj(v: unknown, at: string): Rec {
  return isObj(v) ? v : fail(at, 'expected an object');
}
function str(v: unknown, at: string): string {
  return typeof v === 'string' ? v : fail(at, 'expected a string');
}
function optStr(v: unknown, at: string): void {
  if (!absent(v)) str(v, at);
}
function optInt(v: unknown, at: string): void {
  if (!absent(v) && !Number.isInteger(v)) fail(at, 'expected an integer');
}
function optStrArray(v: unknown, at: string): void {
  if (absent(v)) return;
  if (!Array.isArray(v)) fail(at, 'expected an array of strings');
  const a = v as unknown[];
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') fail(`${at}.${i}`, 'expected a string');
}
function optArray(v: unknown, at: string, each: (x: unknown, at: string) => void): void {
  if (absent(v)) return;
  if (!Array.isArray(v)) fail(at, 'expected an array');
  (v as unknown[]).forEach((x, i) => each(x, `${at}.${i}`));
}
function numeric(v: unknown, at: string): void {
  if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'bigint') fail(at, 'expected a number');
}
function checkFilter(v: unknown, at: string): void {
  if (absent(v)) return;
  const f = obj(v, at);
  optStrArray(f.caps, `${at}.caps`);
  optStrArray(f.arches, `${at}.arches`);
  optStr(f.minKernel, `${at}.minKernel`);
}
function checkRule(v: unknown, at: string): void {
  const r = obj(v, at);
  optStrArray(r.names, `${at}.names`);
  optStr(r.name, `${at}.name`);
  str(r.action, `${at}.action`);
  optInt(r.errnoRet, `${at}.errnoRet`);
  optArray(r.args, `${at}.args`, (a, aat) => {
    const o = obj(a, aat);
    if (!Number.isInteger(o.index)) fail(`${aat}.index`, 'expected an integer');
    numeric(o.value, `${aat}.value`);
    if (!absent(o.valueTwo)) numeric(o.valueTwo, `${aat}.valueTwo`);
    str(o.op, `${aat}.op`);
  });
  checkFilter(r.includes, `${at}.includes`);
  checkFilter(r.excludes, `${at}.excludes`);
  optStr(r.comment, `${at}.comment`);
}

/** Checks the shape of a profile; bad input is one line naming the field. */
export function parseProfile(input: unknown, what = 'seccomp profile'): SeccompProfile {
  try {
    const p = obj(input, '');
    str(p.defaultAction, 'defaultAction');
    optInt(p.defaultErrnoRet, 'defaultErrnoRet');
    optStrArray(p.architectures, 'architectures');
    optArray(p.archMap, 'archMap', (m, at) => {
      const o = obj(m, at);
      str(o.architecture, `${at}.architecture`);
      optStrArray(o.subArchitectures, `${at}.subArchitectures`);
    });
    optStrArray(p.flags, 'flags');
    optStr(p.listenerPath, 'listenerPath');
    optArray(p.syscalls, 'syscalls', checkRule);
    return p as unknown as SeccompProfile;
  } catch (e) {
    if (e instanceof Bad) throw invalidArgument(`${what}: ${e.message}`, { code: 'seccomp.invalid' });
    throw e;
  }
}

export const EPERM = 1;
export const ENOSYS = 38;

/** An action string (+ errnoRet) -> the 32-bit value a filter returns. */
export function actionValue(action: string, errnoRet: number | null | undefined, what: string): number {
  const data = (n: number | null | undefined, dflt: number) => {
    const v = n ?? dflt;
    if (v < 0 || v > 0xffff) throw invalidArgument(`${what}: errnoRet ${v} out of range`, { code: 'seccomp.invalid' });
    return v;
  };
  switch (action.toUpperCase()) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return SECCOMP_RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return SECCOMP_RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP': return SECCOMP_RET.TRAP;
    case 'SCMP_ACT_ERRNO': return (SECCOMP_RET.ERRNO | data(errnoRet, EPERM)) >>> 0;
    case 'SCMP_ACT_TRACE': return (SECCOMP_RET.TRACE | data(errnoRet, EPERM)) >>> 0;
    case 'SCMP_ACT_LOG': return SECCOMP_RET.LOG;
    case 'SCMP_ACT_ALLOW': return SECCOMP_RET.ALLOW;
    case 'SCMP_ACT_NOTIFY':
      throw invalidArgument(`${what}: action SCMP_ACT_NOTIFY is not supported (no seccomp listener)`, { code: 'seccomp.unsupported' });
    default:
      throw invalidArgument(`${what}: unknown action ${JSON.stringify(action)}`, { code: 'seccomp.invalid' });
  }
}

export type CmpOp = 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ';
const OPS: readonly CmpOp[] = ['NE', 'LT', 'LE', 'EQ', 'GE', 'GT', 'MASKED_EQ'];

export function parseOp(op: string, what: string): CmpOp {
  const o = op.toUpperCase().replace(/^SCMP_CMP_/, '') as CmpOp;
  if (!OPS.includes(o)) throw invalidArgument(`${what}: unknown operator ${JSON.stringify(op)}`, { code: 'seccomp.invalid' });
  return o;
}

/** JSON numbers, decimal or 0x strings, or bigints -> an unsigned 64-bit bigint. */
export function parseU64(v: number | string | bigint | undefined, what: string): bigint {
  if (v === undefined) return 0n;
  let b: bigint;
  try {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new Error('not an integer');
    b = BigInt(v);
  } catch {
    throw invalidArgument(`${what}: ${JSON.stringify(String(v))} is not an integer`, { code: 'seccomp.invalid' });
  }
  if (b < 0n) b = BigInt.asUintN(64, b); // -1 means 0xffffffffffffffff, as in C
  if (b >= 1n << 64n) throw invalidArgument(`${what}: ${b} does not fit in 64 bits`, { code: 'seccomp.invalid' });
  return b;
}

export function parseFlags(flags: readonly string[] | null | undefined): number {
  let f = 0;
  for (const name of flags ?? []) {
    const v = (SECCOMP_FILTER_FLAG as Record<string, number>)[name];
    if (v === undefined) throw invalidArgument(`seccomp profile: unknown flag ${JSON.stringify(name)}`, { code: 'seccomp.invalid' });
    f |= v;
  }
  return f;
}

/** SCMP_ARCH_* names -> the syscall tables we have; others are not ours and are skipped. */
const SCMP_ARCH: Record<string, SyscallArch> = {
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_AARCH64: 'aarch64',
};
/** Which table arches can run on a native arch (a filter for the others would be dead code). */
const COMPATIBLE: Record<NativeArch, readonly SyscallArch[]> = {
  x86_64: ['x86_64', 'x86', 'x32'],
  aarch64: ['aarch64'],
};
export type NativeArch = 'x86_64' | 'aarch64';

export function parseNativeArch(a: string): NativeArch {
  const m: Record<string, NativeArch> = { x86_64: 'x86_64', amd64: 'x86_64', x64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64' };
  const r = m[a.toLowerCase()];
  if (!r) throw invalidArgument(`seccomp: unsupported architecture ${JSON.stringify(a)} (x86_64 or aarch64)`, { code: 'seccomp.invalid' });
  return r;
}

/** The architectures a filter covers: the native one always (as libseccomp), plus compatible listed ones. */
export function filterArches(native: NativeArch, listed: readonly string[] | null | undefined): SyscallArch[] {
  const out: SyscallArch[] = [native];
  for (const name of listed ?? []) {
    const a = SCMP_ARCH[name.toUpperCase()];
    if (a && COMPATIBLE[native].includes(a) && !out.includes(a)) out.push(a);
  }
  return out;
}

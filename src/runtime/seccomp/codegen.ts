import { invalidArgument } from '../../errors.js';
import {
  Assembler, AUDIT_ARCH, DATA_ARCH, DATA_NR, dataArgHigh, dataArgLow, SECCOMP_RET, SECCOMP_RET_ACTION_FULL,
  X32_SYSCALL_BIT, type SockFilter,
} from './bpf.js';
import { actionValue, ENOSYS, parseOp, parseU64, type CmpOp, type SeccompArg, type SeccompProfile } from './profile.js';
import { SYSCALL_TABLES, type SyscallArch } from './syscallTables.js';

/** One argument comparison, as libseccomp's scmp_arg_cmp. For MASKED_EQ, value is the mask. */
export interface Cond {
  index: number;
  op: CmpOp;
  value: bigint;
  valueTwo: bigint;
}
/** A conditional rule: every comparison holds -> action. */
interface Rule {
  conds: Cond[];
  action: number;
}
/** What one syscall number does: conditional rules in order, then the fallback. */
interface Block {
  rules: Rule[];
  fallback: number;
  /** Compare all 64 bits of arguments (false on 32-bit architectures: only the low word). */
  wide: boolean;
}
/** A run of syscall numbers [start, end] that share a block. */
interface Interval {
  start: number;
  end: number;
  sig: string;
}

const is32bit = (a: SyscallArch) => a === 'x86';

const maxNumbers = new Map<SyscallArch, number>();
/** The highest syscall number in an architecture's table. */
function maxNumber(a: SyscallArch): number {
  let m = maxNumbers.get(a);
  if (m === undefined) {
    m = 0;
    for (const k in SYSCALL_TABLES[a]) m = Math.max(m, SYSCALL_TABLES[a][k]!);
    maxNumbers.set(a, m);
  }
  return m;
}
const BAD_ARCH = SECCOMP_RET.KILL_PROCESS;

/** A rule's comparisons; several on one argument become alternatives (OR), as runc and crun do. */
function ruleAlternatives(conds: Cond[]): Cond[][] {
  const indexes = new Set(conds.map((c) => c.index));
  if (indexes.size === conds.length) return [conds];
  return conds.map((c) => [c]);
}

function parseConds(args: readonly SeccompArg[] | null | undefined, what: string): Cond[] {
  return (args ?? []).map((a, i) => {
    const w = `${what}: args[${i}]`;
    if (a.index < 0 || a.index > 5) throw invalidArgument(`${w}: index ${a.index} is not 0..5`, { code: 'seccomp.invalid' });
    return { index: a.index, op: parseOp(a.op, w), value: parseU64(a.value, `${w}.value`), valueTwo: parseU64(a.valueTwo, `${w}.valueTwo`) };
  });
}

/** The profile's rules for one architecture's syscall table, by number. Unknown names are skipped. */
function blocksFor(p: SeccompProfile, arch: SyscallArch, dflt: number): Map<number, Block> {
  const wide = !is32bit(arch);
  const table = SYSCALL_TABLES[arch];
  const pending = new Map<number, { rules: Rule[]; uncond?: number; name: string }>();
  (p.syscalls ?? []).forEach((r, i) => {
    const what = `seccomp profile: syscalls[${i}]`;
    const action = actionValue(r.action, r.errnoRet, what);
    const conds = parseConds(r.args, what);
    const names = r.names ?? [];
    // Index loops, no spreads: this runs once per CLI start, before the JIT has warmed up.
    for (let j = 0; j <= names.length; j++) {
      const name = j < names.length ? names[j]! : r.name;
      if (!name || !Object.hasOwn(table, name)) continue;
      const nr = table[name]!;
      const e = pending.get(nr) ?? { rules: [], name };
      pending.set(nr, e);
      if (conds.length === 0) {
        if (e.uncond !== undefined && e.uncond !== action) {
          throw invalidArgument(`${what}: conflicting actions for syscall ${name}`, { code: 'seccomp.invalid' });
        }
        e.uncond = action;
      } else {
        for (const alt of ruleAlternatives(conds)) e.rules.push({ conds: alt, action });
      }
    }
  });
  const out = new Map<number, Block>();
  for (const [nr, e] of pending) {
    const fallback = e.uncond ?? dflt;
    const rules = e.rules.filter((r) => r.action !== fallback);
    if (rules.length === 0 && fallback === dflt) continue;
    out.set(nr, { rules, fallback, wide });
  }
  return out;
}

const signature = (b: Block) =>
  b.rules.length === 0 ? String(b.fallback) : JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

/** Numbers [lo, hi] partitioned into runs sharing a block; the gaps get `gapSig`, numbers past `maxKnown` get `newSig`. */
function intervals(blocks: Map<number, Block>, lo: number, hi: number, maxKnown: number, gapSig: string, newSig: string): Interval[] {
  const out: Interval[] = [];
  const push = (start: number, end: number, sig: string) => {
    if (start > end) return;
    const last = out[out.length - 1];
    if (last && last.sig === sig && last.end + 1 === start) last.end = end;
    else out.push({ start, end, sig });
  };
  let at = lo;
  for (const nr of Uint32Array.from(blocks.keys()).sort()) {
    push(at, nr - 1, gapSig);
    push(nr, nr, signature(blocks.get(nr)!));
    at = nr + 1;
  }
  push(at, Math.min(maxKnown, hi), gapSig);
  push(Math.max(at, maxKnown + 1), hi, newSig);
  return out;
}

/** Emits one comparison; falls through when it holds, jumps to `fail` when not. */
function emitCond(asm: Assembler, c: Cond, wide: boolean, fail: string): void {
  const lo = Number(c.value & 0xffffffffn);
  const hi = Number((c.value >> 32n) & 0xffffffffn);
  const ok = asm.newLabel('ok');
  if (c.op === 'MASKED_EQ') {
    const dlo = Number(c.valueTwo & 0xffffffffn);
    const dhi = Number((c.valueTwo >> 32n) & 0xffffffffn);
    if (wide) {
      asm.ld(dataArgHigh(c.index));
      asm.and(hi);
      asm.jeq(dhi, 0, fail);
    }
    asm.ld(dataArgLow(c.index));
    asm.and(lo);
    asm.jeq(dlo, 0, fail);
    return;
  }
  if (wide) {
    asm.ld(dataArgHigh(c.index));
    switch (c.op) {
      case 'EQ': asm.jeq(hi, 0, fail); break;
      case 'NE': asm.jeq(hi, 0, ok); break;
      case 'GT': case 'GE': asm.jgt(hi, ok, 0); asm.jeq(hi, 0, fail); break;
      case 'LT': case 'LE': asm.jgt(hi, fail, 0); asm.jeq(hi, 0, ok); break;
    }
  }
  asm.ld(dataArgLow(c.index));
  switch (c.op) {
    case 'EQ': asm.jeq(lo, 0, fail); break;
    case 'NE': asm.jeq(lo, fail, 0); break;
    case 'GT': asm.jgt(lo, 0, fail); break;
    case 'GE': asm.jge(lo, 0, fail); break;
    case 'LT': asm.jge(lo, fail, 0); break;
    case 'LE': asm.jgt(lo, fail, 0); break;
  }
  asm.label(ok);
}

function emitBlock(asm: Assembler, b: Block): void {
  for (const r of b.rules) {
    const next = asm.newLabel('next');
    for (const c of r.conds) emitCond(asm, c, b.wide, next);
    asm.ret(r.action);
    asm.label(next);
  }
  asm.ret(b.fallback);
}

/** A simple block is a bare return; a leaf returns it inline instead of jumping. */
type Leaf = { ret: number } | { label: string };

/** Binary search over the intervals on the syscall number in A. */
function emitTree(asm: Assembler, iv: Interval[], leaf: (sig: string) => Leaf): void {
  const emitLeaf = (sig: string) => {
    const l = leaf(sig);
    if ('ret' in l) asm.ret(l.ret);
    else asm.ja(l.label);
  };
  if (iv.length === 1) return emitLeaf(iv[0]!.sig);
  const mid = iv.length >> 1;
  const left = iv.slice(0, mid);
  const right = iv.slice(mid);
  const key = right[0]!.start;
  if (left.length === 1) {
    asm.jge(key, 1, 0);
    emitLeaf(left[0]!.sig);
    return emitTree(asm, right, leaf);
  }
  if (right.length === 1) {
    asm.jge(key, 0, 1);
    emitLeaf(right[0]!.sig);
    return emitTree(asm, left, leaf);
  }
  const r = asm.newLabel('right');
  asm.jge(key, 0, 1);
  asm.ja(r);
  emitTree(asm, left, leaf);
  asm.label(r);
  emitTree(asm, right, leaf);
}

/**
 * Generates the filter: check the architecture, then per architecture a binary
 * search on the syscall number leading to a return or to an argument check.
 */
export function generate(p: SeccompProfile, arches: SyscallArch[]): SockFilter[] {
  const dflt = actionValue(p.defaultAction, p.defaultErrnoRet, 'seccomp profile: defaultAction');
  // Syscalls newer than our tables get ENOSYS when the default is an errno (as runc does), so
  // libc falls back to older calls instead of failing with EPERM.
  const newer = ((dflt & SECCOMP_RET_ACTION_FULL) >>> 0) === SECCOMP_RET.ERRNO ? (SECCOMP_RET.ERRNO | ENOSYS) : dflt;
  const asm = new Assembler();
  const blocks = new Map<string, { block: Block; label: string }>();
  const addBlock = (b: Block) => {
    const sig = signature(b);
    if (!blocks.has(sig)) blocks.set(sig, { block: b, label: asm.newLabel('block') });
    return sig;
  };
  const gapSig = addBlock({ rules: [], fallback: dflt, wide: true });
  const newSig = addBlock({ rules: [], fallback: newer, wide: true });
  const leaf = (sig: string): Leaf => {
    const b = blocks.get(sig)!;
    return b.block.rules.length === 0 ? { ret: b.block.fallback } : { label: b.label };
  };
  const trees = new Map<SyscallArch, Interval[]>();
  for (const a of arches) {
    const bs = blocksFor(p, a, dflt);
    for (const b of bs.values()) addBlock(b);
    const maxKnown = maxNumber(a);
    const [lo, hi] = a === 'x86_64' ? [0, X32_SYSCALL_BIT - 1] : a === 'x32' ? [X32_SYSCALL_BIT, 0xffffffff] : [0, 0xffffffff];
    trees.set(a, intervals(bs, lo, hi, maxKnown, gapSig, newSig));
  }
  const section = (a: SyscallArch) => `arch-${a}`;
  asm.ld(DATA_ARCH);
  for (const a of arches) {
    if (a === 'x32' && arches.includes('x86_64')) continue; // reached through x86_64's section
    asm.jeq(AUDIT_ARCH[a], 0, 1);
    asm.ja(section(a));
  }
  asm.ret(BAD_ARCH);
  for (const a of arches) {
    if (a === 'x32' && arches.includes('x86_64')) continue;
    asm.label(section(a));
    asm.ld(DATA_NR);
    if (a === 'x86_64' || a === 'x32') {
      // x86_64 and x32 share an audit arch; x32 numbers carry bit 30.
      const other = a === 'x86_64' ? (arches.includes('x32') ? 'x32' : undefined) : undefined;
      const badLabel = asm.newLabel('badarch');
      if (a === 'x86_64') {
        asm.jge(X32_SYSCALL_BIT, 0, 1);
        asm.ja(other ? section('x32') : badLabel);
      } else {
        asm.jge(X32_SYSCALL_BIT, 1, 0);
        asm.ja(badLabel);
      }
      emitTree(asm, trees.get(a)!, leaf);
      if (other) {
        asm.label(section('x32'));
        emitTree(asm, trees.get('x32')!, leaf);
      }
      asm.label(badLabel);
      asm.ret(BAD_ARCH);
    } else {
      emitTree(asm, trees.get(a)!, leaf);
    }
  }
  for (const [, { block, label }] of blocks) {
    if (block.rules.length === 0) continue;
    asm.label(label);
    emitBlock(asm, block);
  }
  return asm.assemble();
}

import { internal } from '../../errors.js';

/** Classic BPF opcodes used by seccomp filters (linux/filter.h, linux/bpf_common.h). */
export const BPF = {
  LD_W_ABS: 0x20, // A = *(u32 *)(seccomp_data + k)
  LD_IMM: 0x00,
  ALU_AND_K: 0x54,
  JA: 0x05,
  JEQ_K: 0x15,
  JGT_K: 0x25,
  JGE_K: 0x35,
  JSET_K: 0x45,
  RET_K: 0x06,
  RET_A: 0x16,
} as const;

/** seccomp return values (linux/seccomp.h): the action sits in the top 16 bits, data below. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
export type SeccompAction = keyof typeof SECCOMP_RET;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** Filter flags for seccomp(SECCOMP_SET_MODE_FILTER, flags, prog). */
export const SECCOMP_FILTER_FLAG = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
} as const;

/** AUDIT_ARCH_* values the kernel puts in seccomp_data.arch (linux/audit.h). */
export const AUDIT_ARCH = {
  x86_64: 0xc000003e,
  x86: 0x40000003,
  x32: 0xc000003e, // x32 shares x86_64's audit arch; its syscall numbers carry __X32_SYSCALL_BIT
  aarch64: 0xc00000b7,
} as const;
export const X32_SYSCALL_BIT = 0x40000000;

/** Offsets into struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }. */
export const DATA_NR = 0;
export const DATA_ARCH = 4;
export const DATA_IP = 8;
export const dataArgLow = (i: number) => 16 + 8 * i; // little-endian: low word first
export const dataArgHigh = (i: number) => 20 + 8 * i;

/** The kernel's limit on a filter's length (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** A jump target: a label name, or a literal relative offset (0 = next instruction). */
type Target = string | number;
interface PendingIns {
  code: number;
  k: number;
  jt: Target;
  jf: Target;
}

/**
 * A tiny assembler with symbolic labels. Conditional jumps reach at most 255
 * instructions ahead (8-bit offsets); `ja` reaches anywhere.
 */
export class Assembler {
  private readonly ins: PendingIns[] = [];
  private readonly labels = new Map<string, number>();
  private next = 0;

  /** A fresh unique label name. */
  newLabel(hint = 'L'): string {
    return `${hint}#${this.next++}`;
  }
  label(name: string): void {
    if (this.labels.has(name)) throw internal(`bpf: label ${name} defined twice`);
    this.labels.set(name, this.ins.length);
  }
  get length(): number {
    return this.ins.length;
  }
  ld(offset: number): void {
    this.ins.push({ code: BPF.LD_W_ABS, k: offset, jt: 0, jf: 0 });
  }
  and(k: number): void {
    this.ins.push({ code: BPF.ALU_AND_K, k: k >>> 0, jt: 0, jf: 0 });
  }
  ret(k: number): void {
    this.ins.push({ code: BPF.RET_K, k: k >>> 0, jt: 0, jf: 0 });
  }
  ja(target: string): void {
    this.ins.push({ code: BPF.JA, k: 0, jt: target, jf: 0 });
  }
  jeq(k: number, jt: Target, jf: Target): void {
    this.ins.push({ code: BPF.JEQ_K, k: k >>> 0, jt, jf });
  }
  jgt(k: number, jt: Target, jf: Target): void {
    this.ins.push({ code: BPF.JGT_K, k: k >>> 0, jt, jf });
  }
  jge(k: number, jt: Target, jf: Target): void {
    this.ins.push({ code: BPF.JGE_K, k: k >>> 0, jt, jf });
  }

  /** Resolves labels into offsets; throws when a conditional jump is out of reach. */
  assemble(): SockFilter[] {
    return this.ins.map((i, pc) => {
      const off = (t: Target): number => {
        if (typeof t === 'number') return t;
        const at = this.labels.get(t);
        if (at === undefined) throw internal(`bpf: undefined label ${t}`);
        const d = at - (pc + 1);
        if (d < 0) throw internal(`bpf: backward jump to ${t}`);
        return d;
      };
      if (i.code === BPF.JA) return { code: i.code, jt: 0, jf: 0, k: off(i.jt) };
      const jt = off(i.jt);
      const jf = off(i.jf);
      if (jt > 255 || jf > 255) throw internal(`bpf: conditional jump out of range at ${pc}`);
      return { code: i.code, jt, jf, k: i.k };
    });
  }
}

/** struct sock_filter[] as the kernel reads it: 8 bytes each, little-endian (x86_64, aarch64). */
export function encodeProgram(prog: SockFilter[]): Buffer {
  // Plain byte stores: cheap even before the JIT warms up (one CLI start compiles once).
  const b = Buffer.alloc(prog.length * 8);
  for (let i = 0, o = 0; i < prog.length; i++, o += 8) {
    const f = prog[i]!;
    const k = f.k >>> 0;
    b[o] = f.code & 0xff;
    b[o + 1] = f.code >>> 8;
    b[o + 2] = f.jt;
    b[o + 3] = f.jf;
    b[o + 4] = k & 0xff;
    b[o + 5] = (k >>> 8) & 0xff;
    b[o + 6] = (k >>> 16) & 0xff;
    b[o + 7] = k >>> 24;
  }
  return b;
}

export function decodeProgram(buf: Buffer): SockFilter[] {
  if (buf.length % 8 !== 0) throw internal(`bpf: program length ${buf.length} is not a multiple of 8`);
  const out: SockFilter[] = [];
  for (let o = 0; o < buf.length; o += 8) {
    out.push({ code: buf.readUInt16LE(o), jt: buf.readUInt8(o + 2), jf: buf.readUInt8(o + 3), k: buf.readUInt32LE(o + 4) });
  }
  return out;
}

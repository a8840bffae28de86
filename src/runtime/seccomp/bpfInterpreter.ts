import { internal } from '../../errors.js';
import { BPF, decodeProgram, SECCOMP_RET, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_DATA, type SeccompAction, type SockFilter } from './bpf.js';

/** struct seccomp_data, as the kernel hands it to the filter. */
export interface SeccompData {
  nr: number;
  arch: number;
  instruction_pointer?: bigint;
  args?: readonly bigint[];
}

export interface FilterResult {
  action: SeccompAction;
  /** The low 16 bits: errno for ERRNO, message for TRACE. */
  data: number;
  /** The raw 32-bit return value. */
  value: number;
  /** Instructions executed. */
  steps: number;
}

const ACTIONS = new Map<number, SeccompAction>(Object.entries(SECCOMP_RET).map(([k, v]) => [v, k as SeccompAction]));

function seccompDataBytes(d: SeccompData): Buffer {
  const b = Buffer.alloc(64);
  b.writeInt32LE(d.nr | 0, 0);
  b.writeUInt32LE(d.arch >>> 0, 4);
  b.writeBigUInt64LE(BigInt.asUintN(64, d.instruction_pointer ?? 0n), 8);
  (d.args ?? []).slice(0, 6).forEach((a, i) => b.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
  return b;
}

/**
 * Runs a seccomp classic-BPF program against one syscall, as the kernel would
 * (for tests: the subset of instructions seccomp filters use, checked as the
 * kernel's verifier checks them).
 */
export function runFilter(program: Buffer | SockFilter[], d: SeccompData): FilterResult {
  const prog = Buffer.isBuffer(program) ? decodeProgram(program) : program;
  const data = seccompDataBytes(d);
  let a = 0;
  let pc = 0;
  let steps = 0;
  for (;;) {
    const ins = prog[pc];
    if (!ins) throw internal(`bpf: ran off the end of the program at ${pc}`);
    steps++;
    const jump = (cond: boolean) => {
      pc += 1 + (cond ? ins.jt : ins.jf);
    };
    switch (ins.code) {
      case BPF.LD_W_ABS:
        if (ins.k % 4 !== 0 || ins.k + 4 > 64) throw internal(`bpf: bad load offset ${ins.k} at ${pc}`);
        a = data.readUInt32LE(ins.k);
        pc++;
        break;
      case BPF.LD_IMM:
        a = ins.k >>> 0;
        pc++;
        break;
      case BPF.ALU_AND_K:
        a = (a & ins.k) >>> 0;
        pc++;
        break;
      case BPF.JA:
        pc += 1 + ins.k;
        break;
      case BPF.JEQ_K: jump(a === ins.k >>> 0); break;
      case BPF.JGT_K: jump(a > ins.k >>> 0); break;
      case BPF.JGE_K: jump(a >= ins.k >>> 0); break;
      case BPF.JSET_K: jump((a & ins.k) !== 0); break;
      case BPF.RET_K:
      case BPF.RET_A: {
        const value = (ins.code === BPF.RET_K ? ins.k : a) >>> 0;
        const full = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
        // The kernel treats unknown actions as KILL_PROCESS.
        const action = ACTIONS.get(full) ?? 'KILL_PROCESS';
        return { action, data: value & SECCOMP_RET_DATA, value, steps };
      }
      default:
        throw internal(`bpf: unsupported opcode 0x${ins.code.toString(16)} at ${pc}`);
    }
  }
}

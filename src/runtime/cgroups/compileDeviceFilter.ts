import { deviceRule } from './translateResources.js';
import type { LinuxDeviceCgroup } from './types.js';

/**
 * cgroup v2 has no devices controller: access is decided by an eBPF program of
 * type BPF_PROG_TYPE_CGROUP_DEVICE attached (BPF_CGROUP_DEVICE) to the cgroup.
 * This compiles the OCI device list into that program; the helper only loads and
 * attaches it (see test/fixtures/cgroup/devbpf.c for the two syscalls).
 *
 * Semantics, as for the v1 controller with Docker's lists: rules apply in order and
 * the last one that matches a request decides; nothing matching means deny. An
 * allow rule matches when it grants every requested access (r, w, m); a deny rule
 * when it forbids any of them.
 *
 * The program reads `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }`
 * (access_type = access << 16 | type) and returns 1 (allow) or 0 (deny).
 */
export interface DeviceFilter {
  /** struct bpf_insn records, 8 bytes each, little-endian (x86-64, arm64). */
  program: Uint8Array;
  insnCount: number;
  license: string;
}

const DEV_BLOCK = 1; // BPF_DEVCG_DEV_BLOCK
const DEV_CHAR = 2; // BPF_DEVCG_DEV_CHAR
const ACC = { m: 1, r: 2, w: 4 } as const; // BPF_DEVCG_ACC_MKNOD, _READ, _WRITE

// Opcodes (linux/bpf_common.h, linux/bpf.h).
const LDX_W = 0x61; // rD = *(u32 *)(rS + off)
const AND32_K = 0x54;
const RSH32_K = 0x74;
const MOV32_X = 0xbc;
const MOV64_K = 0xb7;
const JEQ_K = 0x15;
const JNE_K = 0x55;
const EXIT = 0x95;

type Insn = [code: number, dst: number, src: number, off: number, imm: number];

/** Registers after the prologue: r2 type, r3 access, r4 major, r5 minor; r1 scratch. */
const PROLOGUE: Insn[] = [
  [LDX_W, 2, 1, 0, 0],
  [AND32_K, 2, 0, 0, 0xffff],
  [LDX_W, 3, 1, 0, 0],
  [RSH32_K, 3, 0, 0, 16],
  [LDX_W, 4, 1, 4, 0],
  [LDX_W, 5, 1, 8, 0],
];

/** One rule's test; `null` as a jump offset means "to the next rule" (patched below). */
function ruleBlock(d: LinuxDeviceCgroup, index: number): { insns: (Insn | [number, number, number, null, number])[]; unconditional: boolean } {
  deviceRule(d, `linux.resources.devices[${index}]`); // validates type, numbers, access
  const insns: (Insn | [number, number, number, null, number])[] = [];
  const type = d.type ?? 'a';
  if (type !== 'a') insns.push([JNE_K, 2, 0, null, type === 'b' ? DEV_BLOCK : DEV_CHAR]);
  const mask = [...(d.access ?? 'rwm')].reduce((m, c) => m | ACC[c as keyof typeof ACC], 0);
  if (mask !== 7) {
    insns.push([MOV32_X, 1, 3, 0, 0]);
    if (d.allow) insns.push([AND32_K, 1, 0, 0, ~mask & 7], [JNE_K, 1, 0, null, 0]);
    else insns.push([AND32_K, 1, 0, 0, mask], [JEQ_K, 1, 0, null, 0]);
  }
  if (type !== 'a') {
    if (d.major !== undefined && d.major !== null && d.major !== -1) insns.push([JNE_K, 4, 0, null, d.major]);
    if (d.minor !== undefined && d.minor !== null && d.minor !== -1) insns.push([JNE_K, 5, 0, null, d.minor]);
  }
  const unconditional = insns.length === 0;
  insns.push([MOV64_K, 0, 0, 0, d.allow ? 1 : 0], [EXIT, 0, 0, 0, 0]);
  return { insns, unconditional };
}

export function compileDeviceFilter(devices: LinuxDeviceCgroup[] | undefined): DeviceFilter {
  const out: Insn[] = [...PROLOGUE];
  const list = devices ?? [];
  let reachedEnd = false;
  // Last rule first: the first block that matches returns.
  for (let i = list.length - 1; i >= 0; i--) {
    const { insns, unconditional } = ruleBlock(list[i], i);
    insns.forEach((ins, k) => out.push([ins[0], ins[1], ins[2], ins[3] ?? insns.length - k - 1, ins[4]]));
    if (unconditional) {
      reachedEnd = true; // the verifier rejects unreachable code: stop here
      break;
    }
  }
  if (!reachedEnd) out.push([MOV64_K, 0, 0, 0, 0], [EXIT, 0, 0, 0, 0]);
  const program = new Uint8Array(out.length * 8);
  const view = new DataView(program.buffer);
  out.forEach(([code, dst, src, off, imm], i) => {
    view.setUint8(i * 8, code);
    view.setUint8(i * 8 + 1, (src << 4) | dst);
    view.setInt16(i * 8 + 2, off, true);
    view.setInt32(i * 8 + 4, imm, true);
  });
  return { program, insnCount: out.length, license: 'Apache-2.0' };
}

/** Evaluate the same rules in TS (for tests and for `berth inspect`-style explanations). */
export function deviceAllowed(devices: LinuxDeviceCgroup[] | undefined, req: { type: 'b' | 'c'; major: number; minor: number; access: string }): boolean {
  const want = [...req.access].reduce((m, c) => m | ACC[c as keyof typeof ACC], 0);
  for (const d of [...(devices ?? [])].reverse()) {
    const type = d.type ?? 'a';
    if (type !== 'a' && type !== req.type) continue;
    if (type !== 'a' && d.major !== undefined && d.major !== null && d.major !== -1 && d.major !== req.major) continue;
    if (type !== 'a' && d.minor !== undefined && d.minor !== null && d.minor !== -1 && d.minor !== req.minor) continue;
    const mask = [...(d.access ?? 'rwm')].reduce((m, c) => m | ACC[c as keyof typeof ACC], 0);
    if (d.allow ? (want & ~mask) === 0 : (want & mask) !== 0) return d.allow;
  }
  return false;
}

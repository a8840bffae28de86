// berth's default seccomp filter judged against Docker's published default profile
// (test/fixtures/moby-seccomp-default.json, moby/profiles seccomp v0.2.3). Moby's profile is
// evaluated here by its own rules (includes/excludes, OR of rules, AND of a rule's args, the
// errno), independently of berth's resolver; berth's side is the compiled BPF program, run
// through the interpreter, exactly as a container gets it (defaultSeccompProfile -> compile).
// Every syscall number of x86_64 and of its sub-architectures x86 and x32 is tried, with the
// arguments around every argument rule, for Docker's capability set, each one added, and all.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CAPABILITIES, DEFAULT_CAPS } from '../../src/runtime/capabilities.js';
import { AUDIT_ARCH } from '../../src/runtime/seccomp/bpf.js';
import { runFilter } from '../../src/runtime/seccomp/bpfInterpreter.js';
import { compileSeccomp } from '../../src/runtime/seccomp/compile.js';
import { defaultSeccompProfile } from '../../src/runtime/seccomp/defaultProfile.js';
import { SYSCALL_TABLES, type SyscallArch } from '../../src/runtime/seccomp/syscallTables.js';
import { fixturesDir } from '../helpers.js';

interface MobyArg { index: number; value: number; valueTwo?: number; op: string }
interface MobyRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: MobyArg[] | null;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
}
interface MobyProfile { defaultAction: string; defaultErrnoRet: number; archMap: { architecture: string; subArchitectures: string[] | null }[]; syscalls: MobyRule[] }

const moby = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'moby-seccomp-default.json'), 'utf8')) as MobyProfile;

/** Docker's default capabilities (moby oci/caps/defaults.go DefaultCapabilities). */
const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

/** Names in moby's rules for amd64 that are no syscall on x86_64, x86 or x32 (skipped, as libseccomp does). */
const NOT_ON_X86: Record<string, string> = {
  recv: 'only a socketcall(2) operation on x86',
  send: 'only a socketcall(2) operation on x86',
  riscv_hwprobe: 'RISC-V only',
};

/**
 * Where berth is stricter than Docker, on purpose: syscall -> reason. Empty: berth's default
 * filter allows and denies exactly what Docker's does, with the same errno.
 */
const STRICTER: Record<string, string> = {};

const SUBARCHES: SyscallArch[] = ['x86_64', 'x86', 'x32'];

function minKernelOk(kernel: string | undefined, min: string): boolean {
  if (kernel === undefined) return true;
  const a = kernel.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** moby profiles/seccomp (seccomp_linux.go setupSeccomp): a rule is skipped by any exclude, kept by all includes. */
function mobyRuleApplies(r: MobyRule, caps: Set<string>, kernel?: string): boolean {
  const goarch = 'amd64';
  const ex = r.excludes ?? {};
  if (ex.arches?.includes(goarch)) return false;
  if (ex.caps?.some((c) => caps.has(c))) return false;
  if (ex.minKernel && minKernelOk(kernel, ex.minKernel)) return false;
  const inc = r.includes ?? {};
  if (inc.arches?.length && !inc.arches.includes(goarch)) return false;
  if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) return false;
  if (inc.minKernel && !minKernelOk(kernel, inc.minKernel)) return false;
  return true;
}

function argMatches(a: MobyArg, v: bigint, wide: boolean): boolean {
  const x = wide ? v : v & 0xffffffffn;
  const value = BigInt(a.value);
  switch (a.op) {
    case 'SCMP_CMP_EQ': return x === value;
    case 'SCMP_CMP_NE': return x !== value;
    case 'SCMP_CMP_LT': return x < value;
    case 'SCMP_CMP_LE': return x <= value;
    case 'SCMP_CMP_GT': return x > value;
    case 'SCMP_CMP_GE': return x >= value;
    case 'SCMP_CMP_MASKED_EQ': return (x & value) === BigInt(a.valueTwo ?? 0);
    default: throw new Error(`moby profile: op ${a.op}`);
  }
}

type Verdict = string; // 'ALLOW' | 'ERRNO(n)' | 'KILL'

function actionOf(action: string, errno: number | undefined): Verdict {
  if (action === 'SCMP_ACT_ALLOW') return 'ALLOW';
  if (action === 'SCMP_ACT_ERRNO') return `ERRNO(${errno ?? 1})`;
  throw new Error(`moby profile: action ${action}`);
}

/** What Docker's filter does with this call: rules on one name are alternatives; a rule's args all hold. */
function mobyVerdict(rules: MobyRule[], name: string, args: bigint[], wide: boolean): Verdict {
  const mine = rules.filter((r) => r.names.includes(name));
  const verdicts = new Set(mine.map((r) => actionOf(r.action, r.errnoRet)));
  assert.ok(verdicts.size <= 1, `moby: ${name} has rules with different actions (${[...verdicts]}): the evaluator does not know libseccomp's order`);
  for (const r of mine) {
    if ((r.args ?? []).every((a) => argMatches(a, args[a.index] ?? 0n, wide))) return actionOf(r.action, r.errnoRet);
  }
  return actionOf(moby.defaultAction, moby.defaultErrnoRet);
}

/** Argument vectors worth trying for one syscall: all zero, all ones, and around every argument rule of moby's. */
function probes(rules: MobyRule[], name: string, wide: boolean): bigint[][] {
  const max = wide ? 0xffffffffffffffffn : 0xffffffffn;
  const out: bigint[][] = [[], Array(6).fill(max), [17n, 0x3d0f00n, 2n, 1n, 38n, 40n]];
  for (const r of rules.filter((x) => x.names.includes(name))) {
    for (const a of r.args ?? []) {
      const v = BigInt(a.value);
      const vals = new Set<bigint>([0n, v, v + 1n, 17n, 0x3d0f00n, 0xffffffffn]);
      if (v > 0n) vals.add(v - 1n);
      if (wide) vals.add((1n << 32n) | v).add((1n << 32n) + 17n).add(max);
      if (a.op === 'SCMP_CMP_MASKED_EQ') for (let b = 0n; b < 32n; b++) vals.add(1n << b).add(((1n << b) | 17n));
      for (const x of vals) if (x <= max) out.push(Array.from({ length: a.index + 1 }, (_, i) => (i === a.index ? x : 0n)));
    }
  }
  const seen = new Set<string>();
  return out.filter((v) => !seen.has(v.join()) && seen.add(v.join()));
}

function berthVerdict(program: Buffer, arch: SyscallArch, nr: number, args: bigint[]): Verdict {
  const r = runFilter(program, { nr, arch: AUDIT_ARCH[arch], args });
  if (r.action === 'ALLOW') return 'ALLOW';
  if (r.action === 'ERRNO') return `ERRNO(${r.data})`;
  return r.action.startsWith('KILL') ? 'KILL' : r.action;
}

/** Every difference between Docker's and berth's filter for one capability set and kernel. */
function differences(caps: readonly string[], kernel?: string): string[] {
  const capSet = new Set(caps);
  const rules = moby.syscalls.filter((r) => mobyRuleApplies(r, capSet, kernel));
  const program = Buffer.from(compileSeccomp(defaultSeccompProfile(caps, { arch: 'x86_64', kernel }), 'x86_64').program);
  const diffs: string[] = [];
  for (const arch of SUBARCHES) {
    const wide = arch !== 'x86';
    for (const [name, nr] of Object.entries(SYSCALL_TABLES[arch])) {
      for (const args of probes(rules, name, wide)) {
        const want = mobyVerdict(rules, name, args, wide);
        const got = berthVerdict(program, arch, nr, args);
        if (got !== want) diffs.push(`${arch} ${name}(${args.map((a) => `0x${a.toString(16)}`).join(', ')}): docker ${want}, berth ${got}`);
      }
    }
  }
  return diffs;
}

/** Differences not explained by STRICTER (berth denying, with the default errno, what Docker allows). */
function unexplained(diffs: string[]): string[] {
  return diffs.filter((d) => {
    const name = /^\S+ (\w+)\(/.exec(d)![1]!;
    return !(STRICTER[name] && /docker ALLOW, berth ERRNO\(1\)$/.test(d));
  });
}

test('the fixture is Docker\'s profile: default errno, x86_64 with x86 and x32, the argument rules', () => {
  assert.equal(moby.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(moby.defaultErrnoRet, 1);
  assert.deepEqual(moby.archMap.find((a) => a.architecture === 'SCMP_ARCH_X86_64')?.subArchitectures, ['SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const argRules = moby.syscalls.filter((r) => r.args?.length).flatMap((r) => r.names);
  assert.deepEqual([...new Set(argRules)].sort(), ['clone', 'personality', 'socket']);
  assert.deepEqual([...DEFAULT_CAPS].sort(), [...DOCKER_CAPS].sort(), 'berth\'s default capabilities are Docker\'s');
});

test('every name Docker allows on amd64 is a syscall number berth\'s tables know (or not an x86 syscall at all)', () => {
  const all = new Set(CAPABILITIES.map((c) => (c.startsWith('CAP_') ? c : `CAP_${c}`)));
  const names = new Set(moby.syscalls.filter((r) => mobyRuleApplies(r, all)).flatMap((r) => r.names));
  const unknown = [...names].filter((n) => !SUBARCHES.some((a) => SYSCALL_TABLES[a][n] !== undefined) && !NOT_ON_X86[n]);
  assert.deepEqual(unknown, [], 'syscalls Docker allows that berth cannot name: add them to src/runtime/seccomp/syscallsNewer.ts');
  for (const n of Object.keys(NOT_ON_X86)) assert.ok(names.has(n) && SUBARCHES.every((a) => SYSCALL_TABLES[a][n] === undefined), n);
});

test('Docker\'s capabilities: berth\'s compiled filter gives every syscall of x86_64, x86 and x32 the same verdict as Docker\'s profile', () => {
  assert.deepEqual(unexplained(differences(DOCKER_CAPS)), []);
});

test('each further capability, and all of them: the includes/excludes by capability agree too', () => {
  const all = CAPABILITIES.map((c) => (c.startsWith('CAP_') ? c : `CAP_${c}`));
  const extra = all.filter((c) => !DOCKER_CAPS.includes(c));
  assert.ok(extra.includes('CAP_SYS_ADMIN') && extra.includes('CAP_SYS_PTRACE') && extra.includes('CAP_BPF'));
  const out: string[] = [];
  for (const c of extra) out.push(...unexplained(differences([...DOCKER_CAPS, c])).map((d) => `+${c}: ${d}`));
  out.push(...unexplained(differences(all)).map((d) => `all caps: ${d}`));
  // and without any capability at all (a USER with --cap-drop=ALL)
  out.push(...unexplained(differences([])).map((d) => `no caps: ${d}`));
  assert.deepEqual(out, []);
});

test('minKernel: on a 4.7 kernel ptrace and process_vm_* are denied, as in Docker', () => {
  const d = unexplained(differences(DOCKER_CAPS, '4.7.0'));
  assert.deepEqual(d, []);
});

test('past the highest known syscall number: ENOSYS (runc does the same); a foreign architecture is killed', () => {
  const program = Buffer.from(compileSeccomp(defaultSeccompProfile(DOCKER_CAPS, { arch: 'x86_64' }), 'x86_64').program);
  assert.equal(berthVerdict(program, 'x86_64', 1000, []), 'ERRNO(38)');
  assert.equal(berthVerdict(program, 'x86', 1000, []), 'ERRNO(38)');
  assert.equal(runFilter(program, { nr: 0, arch: AUDIT_ARCH.aarch64 }).action.startsWith('KILL'), true);
});

/**
 * berth's default seccomp filter judged against Docker's own default profile, not against
 * itself: test/fixtures/seccomp/moby-default.json records moby's rules (with their version).
 * A small evaluator here reads those rules as dockerd does (includes/excludes by capability,
 * native architecture and kernel; argument conditions ANDed in a rule, rules ORed) and, for
 * every syscall of the x86_64, x86 and x32 tables, and for argument values around every
 * condition, the answer must equal what berth's compiled BPF program returns through the
 * interpreter — with Docker's default capabilities, with each capability that a rule names
 * added, and with all capabilities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { compileSeccomp } from '../../src/runtime/seccomp/compile.js';
import { defaultSeccompProfile } from '../../src/runtime/seccomp/defaultProfile.js';
import { runFilter } from '../../src/runtime/seccomp/bpfInterpreter.js';
import { AUDIT_ARCH } from '../../src/runtime/seccomp/bpf.js';
import { SYSCALL_TABLES, type SyscallArch } from '../../src/runtime/seccomp/syscallTables.js';
import { CAPABILITIES, DEFAULT_CAPS } from '../../src/runtime/capabilities.js';
import { fixturesDir } from '../helpers.js';

interface Arg { index: number; value: number; valueTwo?: number; op: string }
interface Rule { names: string[]; action: string; errnoRet?: number; args?: Arg[]; includes?: Filter; excludes?: Filter }
interface Filter { caps?: string[]; arches?: string[]; minKernel?: string }
const moby = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'seccomp', 'moby-default.json'), 'utf8')) as { version: string; defaultAction: string; defaultErrnoRet: number; rules: Rule[] };

const KERNEL = '6.8.0';
const NATIVE = 'amd64'; // Go's name for x86_64, which moby's "arches" test against
const newer = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return true;
};

/** dockerd's reading of a rule's includes/excludes for this container. */
function applies(r: Rule, caps: ReadonlySet<string>): boolean {
  const i = r.includes, x = r.excludes;
  if (i?.caps && !i.caps.every((c) => caps.has(c))) return false;
  if (i?.arches && !i.arches.includes(NATIVE)) return false;
  if (i?.minKernel && !newer(KERNEL, i.minKernel)) return false;
  if (x?.caps && x.caps.some((c) => caps.has(c))) return false;
  if (x?.arches && x.arches.includes(NATIVE)) return false;
  return true;
}

/** libseccomp's comparison of one 64-bit argument. */
function holds(a: Arg, args: bigint[]): boolean {
  const v = args[a.index] ?? 0n, k = BigInt(a.value);
  switch (a.op) {
    case 'SCMP_CMP_EQ': return v === k;
    case 'SCMP_CMP_NE': return v !== k;
    case 'SCMP_CMP_LT': return v < k;
    case 'SCMP_CMP_LE': return v <= k;
    case 'SCMP_CMP_GT': return v > k;
    case 'SCMP_CMP_GE': return v >= k;
    case 'SCMP_CMP_MASKED_EQ': return (v & k) === BigInt(a.valueTwo ?? 0);
    default: throw new Error(`operator ${a.op} not known to this test`);
  }
}

/** Docker's answer for one call: ALLOW or ERRNO(n). */
function mobyAnswer(name: string, args: bigint[], caps: ReadonlySet<string>): string {
  const rules = moby.rules.filter((r) => r.names.includes(name) && applies(r, caps));
  for (const r of rules) if (r.action === 'SCMP_ACT_ALLOW' && (r.args ?? []).every((a) => holds(a, args))) return 'ALLOW';
  const errno = rules.find((r) => r.action === 'SCMP_ACT_ERRNO' && (r.args ?? []).every((a) => holds(a, args)));
  if (errno) return `ERRNO(${errno.errnoRet ?? moby.defaultErrnoRet})`;
  assert.equal(moby.defaultAction, 'SCMP_ACT_ERRNO');
  return `ERRNO(${moby.defaultErrnoRet})`;
}

/** Argument vectors worth asking for `name`: around every value a moby rule compares with. */
function argCases(name: string): bigint[][] {
  const conds = moby.rules.filter((r) => r.names.includes(name)).flatMap((r) => r.args ?? []);
  if (!conds.length) return [[]];
  const out: bigint[][] = [[0n, 0n]];
  for (const a of conds) {
    const k = BigInt(a.value);
    const near = [k - 1n, k, k + 1n, k | 0x11n, 0xffffffffn, 0x100000000n + k].filter((v) => v >= 0n);
    // For a mask, each of its bits alone and with SIGCHLD (what fork-like clones pass).
    if (a.op === 'SCMP_CMP_MASKED_EQ') for (let b = 0n; b < 64n; b++) if ((k >> b) & 1n) near.push(1n << b, (1n << b) | 17n);
    for (const v of near) {
      const args = [0n, 0n, 0n, 0n, 0n, 0n];
      args[a.index] = v;
      out.push(args);
    }
  }
  out.push([17n], [0x3d0f00n]); // fork's and pthread_create's clone flags
  return out;
}

const capSets: [string, string[]][] = [
  ["Docker's default capabilities", [...DEFAULT_CAPS]],
  ...[...new Set(moby.rules.flatMap((r) => [...(r.includes?.caps ?? []), ...(r.excludes?.caps ?? [])]))].sort()
    .map((c): [string, string[]] => [`default + ${c}`, [...DEFAULT_CAPS, c]]),
  ['all capabilities', [...CAPABILITIES]],
];

test(`the recorded profile is moby's (${moby.version}) and has what this test reads`, () => {
  assert.equal(moby.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(moby.defaultErrnoRet, 1);
  assert.ok(moby.rules.length > 30);
  assert.ok(moby.rules.some((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO' && r.errnoRet === 38));
});

for (const [label, caps] of capSets) {
  test(`berth's compiled default filter answers as moby's profile, every syscall: ${label}`, () => {
    const set = new Set(caps);
    const { program } = compileSeccomp(defaultSeccompProfile(caps, { arch: 'x86_64', kernel: KERNEL }), 'x86_64', { caps, kernel: KERNEL });
    const diffs: string[] = [];
    let checked = 0;
    for (const arch of ['x86_64', 'x86', 'x32'] as SyscallArch[]) {
      for (const [name, nr] of Object.entries(SYSCALL_TABLES[arch])) {
        // A 32-bit task's arguments reach seccomp zero-extended: no value of 2^32 or more exists there.
        for (const args of argCases(name).filter((a) => arch !== 'x86' || a.every((v) => v < 0x100000000n))) {
          const r = runFilter(program, { nr, arch: AUDIT_ARCH[arch], args });
          const berth = r.action === 'ERRNO' ? `ERRNO(${r.data})` : r.action;
          const want = mobyAnswer(name, args, set);
          checked++;
          if (berth !== want) diffs.push(`${arch} ${name}(${args.map((a) => '0x' + a.toString(16)).join(',')}): berth ${berth}, moby ${want}`);
        }
      }
    }
    assert.ok(checked > 1000, `${checked} calls checked`);
    assert.deepEqual(diffs, [], `${diffs.length} differences from moby's default profile (${moby.version})`);
  });
}

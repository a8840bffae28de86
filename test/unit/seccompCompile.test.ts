import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { compileSeccomp } from '../../src/runtime/seccomp/compile.js';
import { runFilter, type FilterResult } from '../../src/runtime/seccomp/bpfInterpreter.js';
import { AUDIT_ARCH, decodeProgram, BPF_MAXINSNS } from '../../src/runtime/seccomp/bpf.js';
import { clearMemoryCache, compileSeccompCached } from '../../src/runtime/seccomp/cache.js';
import { SYSCALL_TABLES } from '../../src/runtime/seccomp/syscallTables.js';
import { isBerthError } from '../../src/errors.js';
import { spawnSync } from 'node:child_process';
import { projectDir, tmpDir } from '../helpers.js';

const X86_64 = AUDIT_ARCH.x86_64;
const I386 = AUDIT_ARCH.x86;
const AARCH64 = AUDIT_ARCH.aarch64;
const nr64 = (n: string) => SYSCALL_TABLES.x86_64[n]!;

function run(program: Buffer, nr: number, args: bigint[] = [], arch: number = X86_64): FilterResult {
  return runFilter(program, { nr, arch, args });
}
const verdict = (r: FilterResult) => (r.action === 'ERRNO' || r.action === 'TRACE' ? `${r.action}(${r.data})` : r.action);

test('syscall tables come from the kernel headers', () => {
  assert.equal(SYSCALL_TABLES.x86_64.read, 0);
  assert.equal(SYSCALL_TABLES.x86_64.mount, 165);
  assert.equal(SYSCALL_TABLES.x86.mount, 21);
  assert.equal(SYSCALL_TABLES.x86.socketcall, 102);
  assert.equal(SYSCALL_TABLES.x32.read, 0x40000000);
  assert.equal(SYSCALL_TABLES.aarch64.mount, 40);
  assert.equal(SYSCALL_TABLES.aarch64.fcntl, 25); // via __NR3264_fcntl
  assert.equal(SYSCALL_TABLES.aarch64.open, undefined); // arm64 has only openat
});

test('a simple allow list: listed calls allowed, others get the default action', () => {
  const { program, flags } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['read', 'write', 'no_such_syscall'], action: 'SCMP_ACT_ALLOW' }],
  });
  assert.equal(flags, 0);
  assert.equal(verdict(run(program, nr64('read'))), 'ALLOW');
  assert.equal(verdict(run(program, nr64('write'))), 'ALLOW');
  assert.equal(verdict(run(program, nr64('open'))), 'ERRNO(1)');
  // Numbers past the newest syscall we know: ENOSYS, so libc falls back (as runc).
  assert.equal(verdict(run(program, 1000)), 'ERRNO(38)');
});

test('every action and errnoRet', () => {
  const cases: [string, number | undefined, string][] = [
    ['SCMP_ACT_ALLOW', undefined, 'ALLOW'],
    ['SCMP_ACT_ERRNO', undefined, 'ERRNO(1)'],
    ['SCMP_ACT_ERRNO', 13, 'ERRNO(13)'],
    ['SCMP_ACT_KILL', undefined, 'KILL_THREAD'],
    ['SCMP_ACT_KILL_THREAD', undefined, 'KILL_THREAD'],
    ['SCMP_ACT_KILL_PROCESS', undefined, 'KILL_PROCESS'],
    ['SCMP_ACT_TRAP', undefined, 'TRAP'],
    ['SCMP_ACT_TRACE', 7, 'TRACE(7)'],
    ['SCMP_ACT_LOG', undefined, 'LOG'],
  ];
  for (const [action, errnoRet, want] of cases) {
    const { program } = compileSeccomp({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['getpid'], action, ...(errnoRet === undefined ? {} : { errnoRet }) }],
    });
    const expected = action === 'SCMP_ACT_ALLOW' ? 'ALLOW' : want;
    assert.equal(verdict(run(program, nr64('getpid'))), expected, action);
    assert.equal(verdict(run(program, nr64('getppid'))), 'ALLOW', `${action}: others`);
  }
});

test('default action and defaultErrnoRet; KILL default does not turn into ENOSYS', () => {
  const e = compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 22, syscalls: [] });
  assert.equal(verdict(run(e.program, nr64('mount'))), 'ERRNO(22)');
  const k = compileSeccomp({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
  assert.equal(verdict(run(k.program, nr64('mount'))), 'KILL_PROCESS');
  assert.equal(verdict(run(k.program, 1000)), 'KILL_PROCESS');
  assert.equal(verdict(run(k.program, 0)), 'ALLOW');
});

/** The reference semantics of one comparison on a 64-bit argument. */
function holds(op: string, arg: bigint, value: bigint, valueTwo: bigint): boolean {
  switch (op) {
    case 'SCMP_CMP_EQ': return arg === value;
    case 'SCMP_CMP_NE': return arg !== value;
    case 'SCMP_CMP_LT': return arg < value;
    case 'SCMP_CMP_LE': return arg <= value;
    case 'SCMP_CMP_GT': return arg > value;
    case 'SCMP_CMP_GE': return arg >= value;
    case 'SCMP_CMP_MASKED_EQ': return (arg & value) === valueTwo;
    default: throw new Error(op);
  }
}

const OPS = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'];
// Values around the 32-bit boundary, so both halves of every comparison are exercised.
const EDGES = [0n, 1n, 5n, 0x7fffffffn, 0xfffffffen, 0xffffffffn, 0x100000000n, 0x100000001n, 0x1fffffffen,
  0x500000005n, 0xffffffff00000000n, 0xfffffffffffffffen, 0xffffffffffffffffn];

test('every operator on 64-bit arguments, compared as two 32-bit halves', () => {
  for (const op of OPS) {
    for (const value of [5n, 0xffffffffn, 0x100000000n, 0x500000005n, 0xfffffffffffffffen]) {
      const valueTwo = op === 'SCMP_CMP_MASKED_EQ' ? value & 0x300000001n : 0n;
      const { program } = compileSeccomp({
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: value.toString(), valueTwo: valueTwo.toString(), op }] }],
      });
      for (const arg of [...EDGES, value - 1n, value, value + 1n]) {
        const a = BigInt.asUintN(64, arg);
        const got = run(program, nr64('ioctl'), [0n, 0n, a]).action === 'ALLOW';
        assert.equal(got, holds(op, a, value, valueTwo), `${op} value=0x${value.toString(16)} arg=0x${a.toString(16)}`);
      }
    }
  }
});

test('32-bit architectures compare only the low word (as libseccomp)', () => {
  const { program } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0x1000, op: 'SCMP_CMP_LT' }] }],
  });
  const ioctl32 = SYSCALL_TABLES.x86.ioctl!;
  assert.equal(run(program, ioctl32, [0n, 0xfffn], I386).action, 'ALLOW');
  assert.equal(run(program, ioctl32, [0n, 0x1000n], I386).action, 'ERRNO');
  assert.equal(run(program, nr64('ioctl'), [0n, 0x100000000n]).action, 'ERRNO'); // 64-bit: high word counts
});

test('comparisons on different arguments are AND; on the same argument OR', () => {
  const { program } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
      { names: ['tkill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  const kill = nr64('kill');
  assert.equal(run(program, kill, [1n, 9n]).action, 'ALLOW');
  assert.equal(run(program, kill, [1n, 15n]).action, 'ERRNO');
  assert.equal(run(program, kill, [2n, 9n]).action, 'ERRNO');
  const tkill = nr64('tkill');
  assert.equal(run(program, tkill, [1n]).action, 'ALLOW');
  assert.equal(run(program, tkill, [2n]).action, 'ALLOW');
  assert.equal(run(program, tkill, [3n]).action, 'ERRNO');
});

test('conditional rules are checked before the unconditional one', () => {
  const { program } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['socket'], action: 'SCMP_ACT_ALLOW' },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  assert.equal(verdict(run(program, nr64('socket'), [2n])), 'ALLOW');
  assert.equal(verdict(run(program, nr64('socket'), [40n])), 'ERRNO(97)');
});

test('architecture check: a foreign arch is killed; x32 is rejected on x86_64 unless listed', () => {
  const only64 = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }] });
  assert.equal(run(only64.program, 0, [], AARCH64).action, 'KILL_PROCESS');
  assert.equal(run(only64.program, 0, [], I386).action, 'KILL_PROCESS');
  assert.equal(run(only64.program, SYSCALL_TABLES.x32.read!, [], X86_64).action, 'KILL_PROCESS');
  assert.equal(run(only64.program, 0xffffffff, [], X86_64).action, 'KILL_PROCESS');
  assert.equal(run(only64.program, nr64('mount')).action, 'ERRNO');

  const withX32 = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }],
  });
  assert.equal(run(withX32.program, SYSCALL_TABLES.x32.read!).action, 'ALLOW');
  assert.equal(run(withX32.program, SYSCALL_TABLES.x32.mount!).action, 'ERRNO');
  assert.equal(run(withX32.program, SYSCALL_TABLES.x86.mount!, [], I386).action, 'ERRNO');
  assert.equal(run(withX32.program, SYSCALL_TABLES.x86.read!, [], I386).action, 'ALLOW');
  assert.equal(run(withX32.program, 0, [], AARCH64).action, 'KILL_PROCESS');
});

test('aarch64 filters use the asm-generic numbers', () => {
  const { program } = compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'open'], action: 'SCMP_ACT_ALLOW' }] }, 'aarch64');
  assert.equal(run(program, SYSCALL_TABLES.aarch64.read!, [], AARCH64).action, 'ALLOW');
  assert.equal(run(program, SYSCALL_TABLES.aarch64.mount!, [], AARCH64).action, 'ERRNO');
  assert.equal(run(program, 0, [], X86_64).action, 'KILL_PROCESS');
});

test('flags', () => {
  const c = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] });
  assert.equal(c.flags, 6);
});

test('Docker profile format: archMap, includes/excludes by capability, arch and kernel', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
    syscalls: [
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    ],
  };
  const plain = compileSeccomp(profile, 'x86_64', { caps: ['CAP_CHOWN'], kernel: '4.4.0' });
  assert.equal(run(plain.program, nr64('mount')).action, 'ERRNO');
  assert.equal(run(plain.program, nr64('getpid')).action, 'ALLOW');
  assert.equal(run(plain.program, nr64('arch_prctl')).action, 'ERRNO');
  assert.equal(run(plain.program, nr64('ptrace')).action, 'ERRNO');
  assert.equal(run(plain.program, SYSCALL_TABLES.x86.getpid!, [], I386).action, 'ALLOW');
  const admin = compileSeccomp(profile, 'x86_64', { caps: ['sys_admin'], kernel: '6.18.44-x' });
  assert.equal(run(admin.program, nr64('mount')).action, 'ALLOW');
  assert.equal(run(admin.program, nr64('getpid')).action, 'ERRNO');
  assert.equal(run(admin.program, nr64('ptrace')).action, 'ALLOW');
});

test('bad profiles are one-line InvalidArgument errors', () => {
  const bad: [unknown, RegExp, string?][] = [
    ['nope', /^seccomp profile: \(root\): expected an object$/],
    [{}, /defaultAction: expected a string/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 3 }] }, /syscalls\.0\.action: expected a string/],
    [{ defaultAction: 'SCMP_ACT_FOO' }, /unknown action "SCMP_ACT_FOO"/],
    [{ defaultAction: 'SCMP_ACT_NOTIFY' }, /not supported/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['X'] }, /unknown flag "X"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /index 6/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_XX' }] }] }, /unknown operator/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 'abc', op: 'SCMP_CMP_EQ' }] }] }, /not an integer/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }, { names: ['read'], action: 'SCMP_ACT_KILL' }] }, /conflicting actions for syscall read/],
    [{ defaultAction: 'SCMP_ACT_ALLOW' }, /unsupported architecture "mips"/, 'mips'],
  ];
  for (const [p, re, arch] of bad) {
    assert.throws(() => compileSeccomp(p, arch ?? 'x86_64'), (e: unknown) => {
      assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});

test('a profile past the kernel\'s 4096-instruction limit is refused', () => {
  const syscalls = Array.from({ length: 1100 }, (_, i) => ({
    names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: i, op: 'SCMP_CMP_EQ' }],
  }));
  assert.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls }), (e: unknown) => isBerthError(e, 'InvalidArgument') && /limit is 4096/.test(e.message));
});

test('every jump lands inside the program and every path ends in a return', () => {
  const { program } = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: Object.keys(SYSCALL_TABLES.x86_64).filter((_, i) => i % 3 === 0), action: 'SCMP_ACT_ALLOW' }],
  });
  const prog = decodeProgram(program);
  assert.ok(prog.length <= BPF_MAXINSNS);
  prog.forEach((ins, pc) => {
    if (ins.code === 0x05) assert.ok(pc + 1 + ins.k < prog.length, `ja at ${pc}`);
    else if ((ins.code & 0x07) === 0x05) assert.ok(pc + 1 + Math.max(ins.jt, ins.jf) < prog.length, `jump at ${pc}`);
  });
  assert.equal(prog[prog.length - 1]!.code & 0x07, 0x06, 'last instruction is a return');
});

test('compiled programs are cached by content, in memory and on disk', () => {
  const dir = tmpDir('berth-seccomp-cache-');
  try {
    const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
    const a = compileSeccomp(profile, 'x86_64', { cacheDir: dir });
    assert.equal(compileSeccomp(structuredClone(profile), 'x86_64', { cacheDir: dir }), a, 'memory hit: same object');
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^[0-9a-f]{16}\.json$/);
    clearMemoryCache();
    const b = compileSeccomp(profile, 'x86_64', { cacheDir: dir });
    assert.notEqual(b, a);
    assert.deepEqual(b, a, 'disk hit: same program');
    // A different profile is a different entry.
    compileSeccomp({ ...profile, defaultAction: 'SCMP_ACT_KILL' }, 'x86_64', { cacheDir: dir });
    assert.equal(fs.readdirSync(dir).length, 2);
    // A damaged entry is ignored and rewritten.
    clearMemoryCache();
    fs.writeFileSync(path.join(dir, files[0]!), '{"flags":0,"program":"zz"}');
    assert.deepEqual(compileSeccomp(profile, 'x86_64', { cacheDir: dir }), a);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed syscall tables match the installed kernel headers', (t) => {
  const headers = ['/usr/include/asm-generic/unistd.h', '/usr/include/x86_64-linux-gnu/asm/unistd_64.h'];
  if (!headers.every((h) => fs.existsSync(h)) || spawnSync('cpp', ['--version']).status !== 0) {
    return t.skip('needs cpp and linux-libc-dev');
  }
  const installed = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'linux-libc-dev'], { encoding: 'utf8' }).stdout;
  const committed = /linux-libc-dev ([^)]+)\)/.exec(fs.readFileSync(path.join(projectDir, 'src', 'runtime', 'seccomp', 'syscallTables.ts'), 'utf8'))?.[1];
  if (installed !== committed) return t.skip(`tables generated from linux-libc-dev ${committed}, installed ${installed}`);
  const r = spawnSync(process.execPath, [path.join(projectDir, 'scripts', 'gen-syscalls.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('compileSeccompCached: same program; a disk hit needs no compiler', async () => {
  const dir = tmpDir('berth-seccomp-cache-');
  try {
    const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['write'], action: 'SCMP_ACT_ALLOW' }] };
    const viaMiss = await compileSeccompCached(profile, 'amd64', { cacheDir: dir });
    assert.deepEqual(viaMiss, compileSeccomp(profile, 'x86_64'));
    clearMemoryCache();
    const viaHit = await compileSeccompCached(structuredClone(profile), 'x86_64', { cacheDir: dir });
    assert.deepEqual(viaHit, viaMiss);
    assert.equal(fs.readdirSync(dir).length, 1, 'one entry: x86_64 and amd64 share a key');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSeccomp } from '../../src/runtime/seccomp/compile.js';
import { defaultDockerProfile, defaultSeccompProfile } from '../../src/runtime/seccomp/defaultProfile.js';
import { runFilter } from '../../src/runtime/seccomp/bpfInterpreter.js';
import { AUDIT_ARCH, BPF_MAXINSNS } from '../../src/runtime/seccomp/bpf.js';
import { SYSCALL_TABLES, type SyscallArch } from '../../src/runtime/seccomp/syscallTables.js';
import { CAPABILITIES, DEFAULT_CAPS } from '../../src/runtime/capabilities.js';

const CLONE_NEWUSER = 0x10000000n;
const CLONE_NEWNS = 0x00020000n;
const CLONE_THREAD_FLAGS = 0x3d0f00n; // what pthread_create passes
const SIGCHLD = 17n;

function checker(caps: readonly string[], native: 'x86_64' | 'aarch64' = 'x86_64') {
  const { program } = compileSeccomp(defaultSeccompProfile(caps, { arch: native }), native, { caps });
  return (name: string, args: bigint[] = [], arch: SyscallArch = native) => {
    const nr = SYSCALL_TABLES[arch][name];
    assert.ok(nr !== undefined, `${name} on ${arch}`);
    const r = runFilter(program, { nr, arch: AUDIT_ARCH[arch], args });
    return r.action === 'ERRNO' ? `ERRNO(${r.data})` : r.action;
  };
}

const BLOCKED = ['mount', 'umount2', 'reboot', 'init_module', 'finit_module', 'delete_module', 'kexec_load',
  'kexec_file_load', 'bpf', 'perf_event_open', 'keyctl', 'add_key', 'request_key', 'unshare', 'setns', 'pivot_root',
  'swapon', 'swapoff', 'acct', 'settimeofday', 'clock_settime', 'open_by_handle_at', 'iopl', 'ioperm', 'syslog',
  'userfaultfd', 'io_uring_setup', 'quotactl', 'lookup_dcookie', 'fsopen', 'move_mount', 'open_tree', 'vhangup',
  'uselib', 'nfsservctl', 'mbind', 'create_module', 'kcmp', 'pidfd_getfd', 'process_madvise'];
const ALLOWED = ['read', 'write', 'openat', 'close', 'execve', 'mmap', 'brk', 'futex', 'rt_sigaction', 'exit_group',
  'socketpair', 'getrandom', 'clock_gettime', 'chroot', 'mknod', 'setuid', 'capset', 'prctl', 'seccomp',
  'ptrace', 'arch_prctl', 'process_vm_readv', 'wait4', 'fork', 'vfork'];

test('default profile: the dangerous calls return EPERM, the ordinary ones are allowed', () => {
  const check = checker(DEFAULT_CAPS);
  for (const s of BLOCKED) assert.equal(check(s), 'ERRNO(1)', s);
  for (const s of ALLOWED) assert.equal(check(s), 'ALLOW', s);
});

test('default profile: clone without namespace flags only; clone3 gets ENOSYS', () => {
  const check = checker(DEFAULT_CAPS);
  assert.equal(check('clone', [SIGCHLD]), 'ALLOW');
  assert.equal(check('clone', [CLONE_THREAD_FLAGS]), 'ALLOW');
  assert.equal(check('clone', [CLONE_NEWUSER | SIGCHLD]), 'ERRNO(1)');
  assert.equal(check('clone', [CLONE_NEWNS]), 'ERRNO(1)');
  assert.equal(check('clone', [0x40000000n]), 'ERRNO(1)'); // CLONE_NEWNET
  assert.equal(check('clone3'), 'ERRNO(38)');
  assert.equal(check('unshare', [CLONE_NEWUSER]), 'ERRNO(1)');
});

test('default profile: personality only with the values Docker allows', () => {
  const check = checker(DEFAULT_CAPS);
  for (const v of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) assert.equal(check('personality', [v]), 'ALLOW', v.toString(16));
  for (const v of [0x0040000n /* ADDR_NO_RANDOMIZE */, 0x400000n /* READ_IMPLIES_EXEC */, 1n]) assert.equal(check('personality', [v]), 'ERRNO(1)', v.toString(16));
});

test('default profile: socket for every family but AF_ALG and AF_VSOCK', () => {
  const check = checker(DEFAULT_CAPS);
  assert.equal(check('socket', [2n]), 'ALLOW'); // AF_INET
  assert.equal(check('socket', [1n]), 'ALLOW'); // AF_UNIX
  assert.equal(check('socket', [17n]), 'ALLOW'); // AF_PACKET: NET_RAW decides
  assert.equal(check('socket', [40n]), 'ERRNO(1)'); // AF_VSOCK
  assert.equal(check('socket', [38n]), 'ERRNO(1)'); // AF_ALG
  assert.equal(check('socket', [39n]), 'ALLOW'); // AF_NFC
  assert.equal(check('socket', [41n]), 'ALLOW');
  assert.equal(check('socket', [0x100000002n]), 'ALLOW', 'high bits: > 40');
});

test('default profile: the 32-bit and x32 tables are filtered too', () => {
  const check = checker(DEFAULT_CAPS);
  assert.equal(check('mount', [], 'x86'), 'ERRNO(1)');
  assert.equal(check('keyctl', [], 'x86'), 'ERRNO(1)');
  assert.equal(check('read', [], 'x86'), 'ALLOW');
  assert.equal(check('socketcall', [], 'x86'), 'ALLOW');
  assert.equal(check('clone', [CLONE_NEWUSER], 'x86'), 'ERRNO(1)');
  assert.equal(check('mount', [], 'x32'), 'ERRNO(1)');
  assert.equal(check('read', [], 'x32'), 'ALLOW');
});

test('default profile: capabilities bring their syscalls back, as in Docker', () => {
  const admin = checker([...DEFAULT_CAPS, 'CAP_SYS_ADMIN']);
  for (const s of ['mount', 'umount2', 'unshare', 'setns', 'bpf', 'perf_event_open', 'sethostname']) assert.equal(admin(s), 'ALLOW', s);
  assert.equal(admin('clone', [CLONE_NEWUSER]), 'ALLOW');
  assert.equal(admin('clone3'), 'ALLOW');
  assert.equal(admin('reboot'), 'ERRNO(1)');
  assert.equal(admin('keyctl'), 'ERRNO(1)'); // no capability brings keyrings back
  const all = checker(CAPABILITIES);
  for (const s of ['reboot', 'init_module', 'finit_module', 'delete_module', 'acct', 'settimeofday', 'iopl', 'syslog', 'open_by_handle_at', 'mbind', 'vhangup', 'kcmp', 'pidfd_getfd']) {
    assert.equal(all(s), 'ALLOW', s);
  }
  for (const s of ['kexec_load', 'keyctl', 'add_key', 'request_key', 'swapon', 'userfaultfd']) assert.equal(all(s), 'ERRNO(1)', s);
  const noChroot = checker(DEFAULT_CAPS.filter((c) => c !== 'CAP_SYS_CHROOT'));
  assert.equal(noChroot('chroot'), 'ERRNO(1)');
  assert.equal(checker(['CAP_BPF'])('bpf'), 'ALLOW');
  assert.equal(checker(['CAP_PERFMON'])('perf_event_open'), 'ALLOW');
});

test('default profile: ptrace only from kernel 4.8 (before, it could bypass the filter)', () => {
  const caps = DEFAULT_CAPS;
  const old = compileSeccomp(defaultSeccompProfile(caps, { kernel: '4.4.0' }), 'x86_64', { caps, kernel: '4.4.0' });
  const nr = SYSCALL_TABLES.x86_64.ptrace!;
  assert.equal(runFilter(old.program, { nr, arch: AUDIT_ARCH.x86_64 }).action, 'ERRNO');
  const withCap = compileSeccomp(defaultSeccompProfile([...caps, 'CAP_SYS_PTRACE'], { kernel: '4.4.0' }), 'x86_64');
  assert.equal(runFilter(withCap.program, { nr, arch: AUDIT_ARCH.x86_64 }).action, 'ALLOW');
});

test('default profile on aarch64', () => {
  const check = checker(DEFAULT_CAPS, 'aarch64');
  assert.equal(check('mount'), 'ERRNO(1)');
  assert.equal(check('openat'), 'ALLOW');
  assert.equal(check('clone', [CLONE_NEWUSER]), 'ERRNO(1)');
});

test('default profile: size and evaluation cost', () => {
  for (const caps of [DEFAULT_CAPS, CAPABILITIES]) {
    const { program } = compileSeccomp(defaultSeccompProfile(caps), 'x86_64', { caps });
    const n = program.length / 8;
    assert.ok(n < BPF_MAXINSNS / 2, `${n} instructions`);
    let worst = 0;
    for (const nr of Object.values(SYSCALL_TABLES.x86_64)) {
      worst = Math.max(worst, runFilter(program, { nr, arch: AUDIT_ARCH.x86_64, args: [0n, 0n, 0n, 0n, 0n, 0n] }).steps);
    }
    assert.ok(worst <= 40, `at most ${worst} instructions per syscall`);
  }
});

test('the Docker-format default compiles to the same program as the resolved one', () => {
  const a = compileSeccomp(defaultDockerProfile(), 'x86_64', { caps: DEFAULT_CAPS });
  const b = compileSeccomp(defaultSeccompProfile(DEFAULT_CAPS), 'x86_64', { caps: DEFAULT_CAPS });
  assert.deepEqual(a.program, b.program);
  const resolved = defaultSeccompProfile(DEFAULT_CAPS);
  assert.deepEqual(resolved.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.equal(resolved.defaultAction, 'SCMP_ACT_ERRNO');
  assert.ok(!JSON.stringify(resolved).includes('includes'));
});

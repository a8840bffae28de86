/** Seccomp filters from the TypeScript compiler, installed by the helper, judged by the real kernel. */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAPS } from '../../src/runtime/capabilities.js';
import { defaultSeccompProfile } from '../../src/runtime/seccomp/defaultProfile.js';
import { requiresRoot } from '../helpers.js';
import { cleanupBox, hasCompiler, makeBox, PROBE, runSpec, specFor, type Box } from './escapeHarness.js';
import type { SecurityInput } from '../../src/runtime/securityDefaults.js';
import { SYSCALL_TABLES } from '../../src/runtime/seccomp/syscallTables.js';

const canRun = !requiresRoot.skip && hasCompiler();
const opts = canRun ? {} : { skip: requiresRoot.skip ?? 'needs cc and a static libc (gcc, libc6-dev)' };

describe('seccomp in the kernel', opts, () => {
  let box: Box;
  before(() => { box = makeBox(); });
  after(() => { if (box) cleanupBox(box); });

  /** Runs the probe with the flags, and (optionally) a given OCI seccomp profile instead of theirs. */
  function run(input: SecurityInput, profile: object | undefined, ...args: string[]) {
    const spec = specFor(input, args[0]?.startsWith('/') || args[0] === 'sh' ? args : [PROBE, ...args]);
    if (profile) spec.linux!.seccomp = profile as Record<string, unknown>;
    return runSpec(box, spec);
  }
  const out = (r: { stdout: string }) => r.stdout.trim();
  /** Whether this kernel gives processes the i386 ABI at all: int 0x80 with no filter (some VMs
   * run without IA-32 emulation, and the instruction is then a SIGSEGV whatever the filter says). */
  let i386Abi: boolean | undefined;
  const noI386 = (): string | undefined => {
    if (process.arch !== 'x64') return 'x86_64 only';
    i386Abi ??= out(run({ securityOpt: ['seccomp=unconfined'] }, undefined, 'int80', String(SYSCALL_TABLES.x86.getpid), '0')) === 'int80: ok';
    return i386Abi ? undefined : 'this kernel offers no i386 ABI (int 0x80 faults with no filter installed)';
  };

  test('a syscall the default profile blocks returns EPERM, even with the capability the kernel would want', () => {
    const admin = { capAdd: ['SYS_ADMIN'] };
    // The capability alone is enough for the kernel...
    assert.equal(out(run({ ...admin, securityOpt: ['seccomp=unconfined'] }, undefined, 'mount', 'tmpfs', '/tmp')), 'mount: ok');
    // ...so EPERM here is the filter's.
    assert.equal(out(run(admin, defaultSeccompProfile(DEFAULT_CAPS), 'mount', 'tmpfs', '/tmp')), 'mount: EPERM');
    // With the profile resolved for CAP_SYS_ADMIN (as Docker does), mount is allowed.
    assert.equal(out(run(admin, undefined, 'mount', 'tmpfs', '/tmp')), 'mount: ok');
  });

  test('clone3 gets ENOSYS (libc falls back to clone); unconfined it reaches the kernel', () => {
    assert.equal(out(run({}, undefined, 'clone3')), 'clone3: ENOSYS');
    assert.match(out(run({ securityOpt: ['seccomp=unconfined'] }, undefined, 'clone3')), /^clone3: E(INVAL|FAULT)$/);
  });

  test('the filter is installed: Seccomp 2 by default, 0 when unconfined or privileged', () => {
    const status = (input: SecurityInput) => out(run(input, undefined, 'sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -d "\\t" | tr "\\n" " "'));
    assert.equal(status({}), 'NoNewPrivs:0 Seccomp:2');
    assert.equal(status({ securityOpt: ['no-new-privileges'] }), 'NoNewPrivs:1 Seccomp:2');
    assert.equal(status({ securityOpt: ['seccomp=unconfined'] }), 'NoNewPrivs:0 Seccomp:0');
    assert.equal(status({ privileged: true }), 'NoNewPrivs:0 Seccomp:0');
  });

  test('a custom profile: errnoRet and an argument comparison', () => {
    const profile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 95 },
      ],
    };
    assert.equal(out(run({}, profile, 'kill', '1')), 'kill: EACCES');
    assert.equal(out(run({}, profile, 'keyctl')), 'keyctl: EOPNOTSUPP');
    assert.equal(out(run({}, profile, 'sh', '-c', 'kill -TERM 99999; echo $?')), '1', 'other signals reach the kernel (ESRCH)');
  });

  test('SCMP_ACT_KILL_PROCESS: the process dies of SIGSYS', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['geteuid'], action: 'SCMP_ACT_KILL_PROCESS' }] };
    const r = run({}, profile, 'euid');
    assert.equal(r.status, 128 + 31, `${r.status} ${r.stderr}`);
    assert.equal(out(r), '');
  });

  test('a Docker-format profile via --security-opt seccomp=<file>', () => {
    const dockerProfile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
      syscalls: [
        { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      ],
    };
    const input = (extra: SecurityInput) => ({ securityOpt: ['seccomp=custom.json'], seccompProfile: dockerProfile, ...extra });
    assert.equal(out(run(input({}), undefined, 'keyctl')), 'keyctl: EPERM');
    assert.doesNotMatch(out(run(input({ capAdd: ['SYS_ADMIN'] }), undefined, 'keyctl')), /EPERM/);
  });

  test('the i386 ABI (int 0x80) is filtered by its own table', (t) => {
    const why = noI386();
    if (why) return t.skip(why);
    const i386 = SYSCALL_TABLES.x86;
    assert.equal(out(run({}, undefined, 'int80', String(i386.getpid), '0')), 'int80: ok');
    assert.equal(out(run({}, undefined, 'int80', String(i386.unshare), String(0x10000000))), 'int80: EPERM');
    assert.equal(out(run({}, undefined, 'int80', String(i386.keyctl), '0')), 'int80: EPERM');
  });

  test('an architecture the profile does not list is killed', (t) => {
    const why = noI386();
    if (why) return t.skip(why);
    const only64 = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_ERRNO' }] };
    assert.equal(out(run({}, only64, 'euid')), 'euid: ok 0');
    const r = run({}, only64, 'int80', String(SYSCALL_TABLES.x86.getpid), '0');
    assert.equal(r.status, 128 + 31, `${r.status} ${r.stdout} ${r.stderr}`);
  });
});

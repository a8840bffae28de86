import type { SyscallArch } from './syscallTables.js';

/**
 * Syscalls the kernel gained after the UAPI headers syscallTables.ts is generated from
 * (linux-libc-dev 6.1), by hand from the kernel's tables (arch/x86/entry/syscalls/syscall_64.tbl
 * and syscall_32.tbl, include/uapi/asm-generic/unistd.h, 6.5 ... 6.13). Docker's default
 * profile allows them; without a number here the filter cannot name them, so they would get
 * ENOSYS where Docker allows them (glibc 2.39 calls fchmodat2 first). The headers win when
 * they have a name too (scripts/gen-syscalls.mjs checks that the numbers agree).
 */
const COMMON = `
cachestat 451
fchmodat2 452
futex_wake 454
futex_wait 455
futex_requeue 456
statmount 457
listmount 458
lsm_get_self_attr 459
lsm_set_self_attr 460
lsm_list_modules 461
mseal 462
setxattrat 463
getxattrat 464
listxattrat 465
removexattrat 466`;

const X32_SYSCALL_BIT = 0x40000000;

function table(raw: string, add = 0): Record<string, number> {
  const t: Record<string, number> = Object.create(null);
  const w = raw.trim().split(/\s+/);
  for (let i = 0; i + 1 < w.length; i += 2) t[w[i]!] = Number(w[i + 1]) + add;
  return t;
}

export const NEWER_SYSCALLS: Readonly<Record<SyscallArch, Readonly<Record<string, number>>>> = {
  // map_shadow_stack is "64" (x86_64 only) in syscall_64.tbl; uretprobe (6.11) is "common" there.
  x86_64: table(`${COMMON} map_shadow_stack 453 uretprobe 335`),
  x86: table(COMMON),
  x32: table(`${COMMON} uretprobe 335`, X32_SYSCALL_BIT),
  aarch64: table(`${COMMON} map_shadow_stack 453`),
};

import { invalidArgument } from '../errors.js';

/** Linux capabilities by number (linux/capability.h), 0..40. */
export const CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];
export const CAP_LAST_CAP = CAPABILITIES.length - 1;

const NUMBERS = new Map(CAPABILITIES.map((c, i) => [c, i]));

/** Docker's default capability set (moby oci/caps/defaults.go): 14 capabilities. */
export const DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** "net_admin", "CAP_NET_ADMIN", "Net_Admin" -> "CAP_NET_ADMIN"; unknown names are an error. */
export function normalizeCap(name: string): string {
  const up = name.trim().toUpperCase();
  const full = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!NUMBERS.has(full)) throw invalidArgument(`unknown capability: ${JSON.stringify(name)}`, { code: 'caps.unknown' });
  return full;
}

export function capNumber(name: string): number {
  return NUMBERS.get(normalizeCap(name))!;
}

export function capName(n: number): string {
  const c = CAPABILITIES[n];
  if (c === undefined) throw invalidArgument(`unknown capability number ${n}`, { code: 'caps.unknown' });
  return c;
}

/** Capability names -> a bit mask (bit N = capability N), for the helper's `bounding`/`caps`/`ambient`. */
export function capsToMask(names: readonly string[]): bigint {
  let m = 0n;
  for (const n of names) m |= 1n << BigInt(capNumber(n));
  return m;
}

/** A bit mask -> the capability names we know, in number order. */
export function maskToCaps(mask: bigint): string[] {
  return CAPABILITIES.filter((_c, i) => (mask >> BigInt(i)) & 1n);
}

/** Hex as the helper's plan wants it (no 0x). */
export const maskHex = (m: bigint) => m.toString(16);

export interface CapOptions {
  add?: readonly string[];
  drop?: readonly string[];
  privileged?: boolean;
  /** The image's/container's base set; default Docker's 14. */
  base?: readonly string[];
}

const isAll = (c: string) => c.trim().toUpperCase() === 'ALL';

/**
 * Docker's --cap-add/--cap-drop/--privileged semantics (moby oci/caps TweakCapabilities):
 * privileged -> every capability; `--cap-add ALL` -> all but the dropped ones;
 * `--cap-drop ALL` -> only the added ones; else base - drop + add.
 */
export function resolveCaps(opts: CapOptions = {}): string[] {
  if (opts.privileged) return [...CAPABILITIES];
  const add = (opts.add ?? []).filter((c) => !isAll(c)).map(normalizeCap);
  const drop = (opts.drop ?? []).filter((c) => !isAll(c)).map(normalizeCap);
  const addAll = (opts.add ?? []).some(isAll);
  const dropAll = (opts.drop ?? []).some(isAll);
  let caps: string[];
  if (addAll) caps = CAPABILITIES.filter((c) => !drop.includes(c));
  else if (dropAll) caps = add;
  else caps = [...(opts.base ?? DEFAULT_CAPS).map(normalizeCap).filter((c) => !drop.includes(c)), ...add];
  return [...new Set(caps)].sort((a, b) => capNumber(a) - capNumber(b));
}

/**
 * Drops the capabilities the host's bounding set lacks (a container can never
 * hold them), returning a warning for each instead of failing.
 */
export function restrictToHost(caps: readonly string[], hostMask: bigint): { caps: string[]; warnings: string[] } {
  const kept: string[] = [];
  const warnings: string[] = [];
  for (const c of caps) {
    if ((hostMask >> BigInt(capNumber(c))) & 1n) kept.push(c);
    else warnings.push(`capability ${c} is not in the host's bounding set; dropped`);
  }
  return { caps: kept, warnings };
}

/** The five sets for the helper, as masks. */
export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/**
 * The process's capability sets for a resolved list, as Docker sets them: root
 * gets bounding = effective = permitted = the list; a non-root user keeps only the
 * bounding set (execve clears the rest, as for any non-root process). Inheritable
 * and ambient stay empty (moby since CVE-2022-24769).
 */
export function capabilitySets(caps: readonly string[], uid = 0): CapabilitySets {
  const m = capsToMask(caps);
  const forRoot = uid === 0 ? m : 0n;
  return { bounding: m, effective: forRoot, permitted: forRoot, inheritable: 0n, ambient: 0n };
}

/** OCI `process.capabilities` for a resolved list (the same sets, by name). */
export function ociCapabilities(caps: readonly string[], uid = 0): Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]> {
  const s = capabilitySets(caps, uid);
  return {
    bounding: maskToCaps(s.bounding), effective: maskToCaps(s.effective), permitted: maskToCaps(s.permitted),
    inheritable: maskToCaps(s.inheritable), ambient: maskToCaps(s.ambient),
  };
}

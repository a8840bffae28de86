/**
 * Docker's security defaults for a container's filesystem and devices: masked
 * and read-only /proc and /sys paths, the default device nodes and the devices
 * cgroup allow list. `--privileged` turns them off, as in Docker.
 */
import { invalidArgument } from '../errors.js';
import { ociCapabilities, resolveCaps, restrictToHost } from './capabilities.js';
import { defaultSeccompProfile } from './seccomp/defaultProfile.js';
import { resolveDockerProfile } from './seccomp/dockerProfile.js';
import { parseProfile, type NativeArch, type SeccompProfile } from './seccomp/profile.js';

/** Paths hidden from the container (/dev/null over files, an empty read-only tmpfs over dirs). */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Paths bind-mounted read-only over themselves. */
export const READONLY_PATHS: readonly string[] = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

/** OCI `linux.devices` entry. */
export {
  DEFAULT_DEVICE_NODES, DEFAULT_DEVICE_SYMLINKS, DEFAULT_DEVICE_RULES, PRIVILEGED_DEVICE_RULES, deviceRuleLine,
  type DeviceNode, type DeviceRule,
} from './deviceDefaults.js';
import { DEFAULT_DEVICE_RULES, PRIVILEGED_DEVICE_RULES, type DeviceRule } from './deviceDefaults.js';

/** Docker's default mounts (OCI `mounts`); /sys is read-only unless privileged. */
export function defaultMounts(opts: { privileged?: boolean } = {}): { destination: string; type: string; source: string; options: string[] }[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', opts.privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', opts.privileged ? 'rw' : 'ro'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  ];
}

export interface PathDefaults {
  maskedPaths: string[];
  readonlyPaths: string[];
  deviceRules: DeviceRule[];
}

/** The path and device defaults for a container; privileged containers get none of the restrictions. */
export function securityPaths(opts: { privileged?: boolean } = {}): PathDefaults {
  if (opts.privileged) return { maskedPaths: [], readonlyPaths: [], deviceRules: [...PRIVILEGED_DEVICE_RULES] };
  return { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS], deviceRules: [...DEFAULT_DEVICE_RULES] };
}

/** What Docker's `--security-opt` values ask for. */
export interface SecurityOpts {
  /** `seccomp=unconfined`, `seccomp=<file>` (the caller reads the file), or the default profile. */
  seccomp: { kind: 'default' } | { kind: 'unconfined' } | { kind: 'file'; path: string };
  noNewPrivileges: boolean;
  /** `systempaths=unconfined`: no masked or read-only /proc and /sys paths. */
  systemPathsUnconfined: boolean;
  warnings: string[];
}

/** Parses `--security-opt` values as Docker does (`key=value`; the old `key:value` is accepted too). */
export function parseSecurityOpts(list: readonly string[] = []): SecurityOpts {
  const out: SecurityOpts = { seccomp: { kind: 'default' }, noNewPrivileges: false, systemPathsUnconfined: false, warnings: [] };
  for (const opt of list) {
    const bad = () => invalidArgument(`invalid --security-opt: ${JSON.stringify(opt)}`, { code: 'security.invalid' });
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    const m = /^([a-z-]+)[=:](.*)$/.exec(opt);
    if (!m) throw bad();
    const [, key, value] = m as unknown as [string, string, string];
    switch (key) {
      case 'seccomp':
        if (!value) throw bad();
        out.seccomp = value === 'unconfined' ? { kind: 'unconfined' } : value === 'builtin' ? { kind: 'default' } : { kind: 'file', path: value };
        break;
      case 'no-new-privileges':
        if (value !== 'true' && value !== 'false') throw bad();
        out.noNewPrivileges = value === 'true';
        break;
      case 'systempaths':
        if (value !== 'unconfined') throw bad();
        out.systemPathsUnconfined = true;
        break;
      case 'apparmor':
      case 'label':
        out.warnings.push(`--security-opt ${key} is not supported on this host; ignored`);
        break;
      default:
        throw bad();
    }
  }
  return out;
}

export interface SecurityInput {
  privileged?: boolean;
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  securityOpt?: readonly string[];
  readOnly?: boolean;
  /** The host's capability bounding set (src/sys/hostCaps.ts); capabilities outside it are dropped with a warning. */
  hostBounding?: bigint;
  /** The parsed JSON of the `seccomp=<file>` profile, read by the caller. */
  seccompProfile?: unknown;
  /** The container process's uid (non-root users get no effective capabilities). */
  uid?: number;
  arch?: NativeArch;
  kernel?: string;
}

/** The security part of a container's OCI spec, decided from Docker's flags. */
export interface ContainerSecurity {
  capabilities: ReturnType<typeof ociCapabilities>;
  /** OCI linux.seccomp; absent when unconfined. */
  seccomp?: SeccompProfile;
  noNewPrivileges: boolean;
  maskedPaths: string[];
  readonlyPaths: string[];
  deviceRules: DeviceRule[];
  readonlyRootfs: boolean;
  mounts: ReturnType<typeof defaultMounts>;
  warnings: string[];
}

/**
 * Docker's flags (`--privileged`, `--cap-add/--cap-drop`, `--security-opt`,
 * `--read-only`) -> capabilities, seccomp profile, paths and device rules for
 * the OCI spec. Pure: the caller reads the host bounding set and profile files.
 */
export function containerSecurity(i: SecurityInput = {}): ContainerSecurity {
  const opts = parseSecurityOpts(i.securityOpt);
  const warnings = [...opts.warnings];
  let caps = resolveCaps({ add: i.capAdd, drop: i.capDrop, privileged: i.privileged });
  if (i.hostBounding !== undefined) {
    const r = restrictToHost(caps, i.hostBounding);
    caps = r.caps;
    warnings.push(...r.warnings);
  }
  let seccomp: SeccompProfile | undefined;
  if (opts.seccomp.kind === 'file') {
    if (i.seccompProfile === undefined) throw invalidArgument(`seccomp profile ${opts.seccomp.path}: not loaded`, { code: 'security.invalid' });
    seccomp = resolveDockerProfile(parseProfile(i.seccompProfile, `seccomp profile ${opts.seccomp.path}`), { caps, arch: i.arch ?? 'x86_64', kernel: i.kernel });
  } else if (opts.seccomp.kind === 'default' && !i.privileged) {
    seccomp = defaultSeccompProfile(caps, { arch: i.arch, kernel: i.kernel });
  }
  const paths = securityPaths({ privileged: i.privileged || opts.systemPathsUnconfined });
  return {
    capabilities: ociCapabilities(caps, i.uid ?? 0),
    ...(seccomp ? { seccomp } : {}),
    noNewPrivileges: opts.noNewPrivileges,
    maskedPaths: paths.maskedPaths,
    readonlyPaths: paths.readonlyPaths,
    deviceRules: i.privileged ? [...PRIVILEGED_DEVICE_RULES] : [...DEFAULT_DEVICE_RULES],
    readonlyRootfs: !!i.readOnly,
    mounts: defaultMounts({ privileged: i.privileged }),
    warnings,
  };
}

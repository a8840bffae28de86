import { invalidArgument } from '../../errors.js';
import { BPF_MAXINSNS, encodeProgram } from './bpf.js';
import { cacheGet, cachePut, compileKey, type CompiledSeccomp } from './cache.js';
import { generate } from './codegen.js';
import { resolveDockerProfile } from './dockerProfile.js';
import { filterArches, parseFlags, parseNativeArch, parseProfile } from './profile.js';

export type { CompiledSeccomp } from './cache.js';

export interface CompileOptions {
  /** Capabilities of the container, for Docker profiles' includes/excludes (default: Docker's 14). */
  caps?: readonly string[];
  /** Kernel release for Docker profiles' minKernel (default: assume new enough). */
  kernel?: string;
  /** Directory for the on-disk cache of compiled programs (none: memory only). */
  cacheDir?: string;
}

const DOCKER_DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

/**
 * An OCI `linux.seccomp` object or a Docker profile -> a classic BPF program for
 * seccomp(SECCOMP_SET_MODE_FILTER). Syscall names unknown on an architecture are
 * skipped, as libseccomp does. Results are cached by content hash.
 */
export function compileSeccomp(profile: unknown, arch = 'x86_64', opts: CompileOptions = {}): CompiledSeccomp {
  const native = parseNativeArch(arch);
  const key = compileKey(profile, native, opts.caps, opts.kernel);
  const hit = cacheGet(key, opts.cacheDir);
  if (hit) return hit;
  const caps = opts.caps ?? DOCKER_DEFAULT_CAPS;

  const resolved = resolveDockerProfile(parseProfile(profile), { caps, arch: native, kernel: opts.kernel });
  const flags = parseFlags(resolved.flags);
  const prog = generate(resolved, filterArches(native, resolved.architectures));
  if (prog.length > BPF_MAXINSNS) {
    throw invalidArgument(`seccomp profile compiles to ${prog.length} instructions (the kernel's limit is ${BPF_MAXINSNS})`, { code: 'seccomp.too_large' });
  }
  const c = { program: encodeProgram(prog), flags };
  cachePut(key, c, opts.cacheDir);
  return c;
}

/** The plan line for the helper: `seccomp <flags hex> <program hex>` arguments. */
export function seccompPlanArgs(c: CompiledSeccomp): [string, string] {
  return [c.flags.toString(16), c.program.toString('hex')];
}

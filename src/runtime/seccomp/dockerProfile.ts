import type { NativeArch, SeccompProfile, SeccompRule } from './profile.js';

/** What Docker's includes/excludes are evaluated against. */
export interface ProfileContext {
  /** Capability names in the container's bounding set (with or without CAP_). */
  caps: readonly string[];
  arch: NativeArch;
  /** Kernel release, e.g. "6.18.44"; unknown = assume new enough. */
  kernel?: string;
}

/** Go's GOARCH names, which Docker's `includes.arches` use. */
const GOARCH: Record<NativeArch, string> = { x86_64: 'amd64', aarch64: 'arm64' };

/** "6.18.44-foo" -> [6, 18, 44] */
function kernelVersion(s: string): number[] {
  return s.split(/[.-]/).slice(0, 3).map((p) => Number.parseInt(p, 10) || 0);
}
export function kernelAtLeast(kernel: string | undefined, min: string): boolean {
  if (kernel === undefined) return true;
  const a = kernelVersion(kernel);
  const b = kernelVersion(min);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

const normCap = (c: string) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);

/** Docker's rule selection (moby profiles/seccomp): excludes first, then includes. */
function applies(rule: SeccompRule, ctx: ProfileContext, caps: Set<string>): boolean {
  const goarch = GOARCH[ctx.arch];
  const ex = rule.excludes;
  if (ex) {
    if (ex.arches?.length && ex.arches.includes(goarch)) return false;
    if (ex.caps?.length && ex.caps.some((c) => caps.has(normCap(c)))) return false;
    if (ex.minKernel && kernelAtLeast(ctx.kernel, ex.minKernel)) return false;
  }
  const inc = rule.includes;
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(goarch)) return false;
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(normCap(c)))) return false;
    if (inc.minKernel && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false;
  }
  return true;
}

/** Docker's archMap key for each native arch. */
const SCMP_NATIVE: Record<NativeArch, string> = { x86_64: 'SCMP_ARCH_X86_64', aarch64: 'SCMP_ARCH_AARCH64' };

/**
 * A Docker profile (archMap, includes/excludes, `name`) -> a plain OCI
 * `linux.seccomp` for one container: the rules that apply to its capabilities,
 * architecture and kernel. An OCI profile passes through unchanged.
 */
export function resolveDockerProfile(p: SeccompProfile, ctx: ProfileContext): SeccompProfile {
  const caps = new Set(ctx.caps.map(normCap));
  let architectures = p.architectures ?? undefined;
  if (!architectures && p.archMap) {
    const m = p.archMap.find((a) => a.architecture === SCMP_NATIVE[ctx.arch]);
    architectures = m ? [m.architecture, ...(m.subArchitectures ?? [])] : [];
  }
  const syscalls = (p.syscalls ?? []).filter((r) => applies(r, ctx, caps)).map((r) => {
    const names = [...(r.names ?? []), ...(r.name ? [r.name] : [])];
    const out: SeccompRule = { names, action: r.action };
    if (r.errnoRet !== undefined && r.errnoRet !== null) out.errnoRet = r.errnoRet;
    if (r.args?.length) out.args = r.args;
    return out;
  });
  const out: SeccompProfile = { defaultAction: p.defaultAction, architectures: architectures ?? [], syscalls };
  if (p.defaultErrnoRet !== undefined && p.defaultErrnoRet !== null) out.defaultErrnoRet = p.defaultErrnoRet;
  if (p.flags?.length) out.flags = p.flags;
  return out;
}

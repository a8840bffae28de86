/**
 * OCI config.json -> the helper's plan (docs/plan.md). The one module that decides
 * what the C helper does, and in which order; pure, so it is tested without root.
 */
import path from 'node:path';
import { invalidArgument } from '../errors.js';
import type { Hook, IdMapping, Mount, Spec } from './spec.js';
import { MS, parseMountOptions, propagationFlags } from './mountOptions.js';
import { DEFAULT_DEVICE_NODES, DEFAULT_DEVICE_SYMLINKS } from './deviceDefaults.js';

export type Op = [name: string, ...args: (string | number)[]];

export type Stdio =
  | { mode: 'inherit' }
  | { mode: 'null' }
  | { mode: 'log'; path: string; maxSize: number; maxFiles: number };

export interface PlanOptions {
  id: string;
  bundle: string;
  stateDir: string;
  stdio: Stdio;
  /** Wait on this FIFO between create and start; absent for `run`. */
  execFifo?: string;
  /** Where to send the pty master when process.terminal is set; `-` keeps it in the monitor. */
  consoleSocket?: string;
  /** Mounts that make up the rootfs itself (an overlay snapshot), mounted onto root.path first. */
  rootfsMounts?: { type: string; source: string; options: string[] }[];
  /** File holding the OCI state JSON for hooks run inside the container. */
  hookStatePath?: string;
  /** Capability names -> mask (src/runtime/capabilities.ts). */
  capMask: (names: readonly string[]) => bigint;
  /** Compiled seccomp filter, when the config has one. */
  seccomp?: { program: Uint8Array; flags: number };
  /** Unix socket where the monitor serves attach clients (stdcopy frames). */
  attachSocket?: string;
  /** Give the container a stdin pipe fed by attach clients (docker -i). */
  stdinPipe?: boolean;
  /** Restart policy carried out by the monitor. */
  restart?: { policy: 'no' | 'always' | 'on-failure' | 'unless-stopped'; maxRetries?: number };
  /** Health check run by the monitor: an exec plan file (buildExecPlan) and its schedule. */
  health?: { planFile: string; intervalMs: number; timeoutMs: number; startPeriodMs: number; retries: number };
  /** A command the monitor starts (detached) when the init has ended for good. */
  onExit?: string[];
  /** cgroup v2 device filter (eBPF) for the monitor to attach before placing the init. */
  deviceFilter?: { cgroupDir: string; program: Uint8Array };
  /** cgroup.procs files the monitor writes the init's pid into before it runs anything. */
  cgroupProcs?: string[];
  /** The cgroup2 directory the init is born in (clone3 CLONE_INTO_CGROUP); not also in cgroupProcs. */
  cloneInto?: string;
  /** Report the pid before the cgroup placement (the runtime's part then needs no placement: no hooks). */
  earlyPid?: boolean;
  /** cgroup v1 hierarchies to mount (controller option lists) or 'v2'; from the host layout. */
  cgroupMounts?: string[][] | 'v2';
  /** No monitor stays behind: once the init is set up it goes to the caller's subreaper (a containerd shim, as with runc). */
  noMonitor?: boolean;
  /** runc --no-pivot: move the rootfs onto / and chroot instead of pivot_root. */
  noPivot?: boolean;
}

const CLONE: Record<string, number> = {
  mount: 0x00020000, uts: 0x04000000, ipc: 0x08000000, user: 0x10000000, pid: 0x20000000,
  network: 0x40000000, cgroup: 0x02000000, time: 0x00000080,
};

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

const hex = (n: number | bigint) => n.toString(16);

export function buildPlan(spec: Spec, o: PlanOptions): Op[] {
  const proc = spec.process;
  if (!proc) throw invalidArgument('invalid config.json: process: is required to run a container');
  const rootfs = path.resolve(o.bundle, spec.root!.path);
  const ns = spec.linux?.namespaces ?? [];
  const has = (t: string) => ns.some((n) => n.type === t);
  const ops: Op[] = [['id', o.id], ['state_dir', o.stateDir]];
  ops.push(o.stdio.mode === 'log' ? ['stdio', 'log', o.stdio.path, o.stdio.maxSize, o.stdio.maxFiles] : ['stdio', o.stdio.mode]);
  if (proc.terminal) ops.push(['terminal', o.consoleSocket ?? '-']);
  if (o.stdinPipe && !proc.terminal) ops.push(['stdin_pipe']);
  if (o.attachSocket) ops.push(['attach', o.attachSocket]);
  if (o.restart && o.restart.policy !== 'no') ops.push(['restart', o.restart.policy, o.restart.maxRetries ?? 0]);
  if (o.onExit?.length) ops.push(['on_exit', ...o.onExit]);
  if (o.health) {
    const h = o.health;
    ops.push(['health', h.intervalMs, h.timeoutMs, h.startPeriodMs, h.retries, h.planFile]);
  }
  let flags = 0;
  // pid by path: the monitor joins it before clone, so the init is born there (setns applies to children).
  for (const n of ns) if (!n.path && n.type !== 'cgroup') flags |= CLONE[n.type];
  // Existing namespaces (other than mnt) are joined by the monitor before clone, while it is still
  // privileged in the host's user namespace: a child in a new user namespace could not join them.
  // A user namespace by path last of all: the namespaces the clone makes then belong to it.
  for (const n of ns) if (n.path && n.type !== 'mount' && n.type !== 'user') ops.push(['join_ns', n.type === 'network' ? 'net' : n.type, n.path]);
  for (const n of ns) if (n.path && n.type === 'user') ops.push(['join_ns', 'user', n.path]);
  ops.push(['clone', hex(flags)]);
  if (ns.some((n) => n.type === 'user' && !n.path)) {
    const m = (l: IdMapping[]) => l.map((x) => `${x.containerID} ${x.hostID} ${x.size}`).join(',');
    if (!spec.linux?.uidMappings?.length || !spec.linux?.gidMappings?.length) {
      throw invalidArgument('invalid config.json: linux.uidMappings: a user namespace needs uid and gid mappings');
    }
    ops.push(['uid_map', m(spec.linux.uidMappings)], ['gid_map', m(spec.linux.gidMappings)]);
  }
  if (o.deviceFilter) ops.push(['bpf_devices', o.deviceFilter.cgroupDir, Buffer.from(o.deviceFilter.program).toString('hex')]);
  if (o.cloneInto) ops.push(['clone_into', o.cloneInto]);
  for (const f of o.cgroupProcs ?? []) ops.push(['cgroup_procs', f]);
  if (o.earlyPid && (o.cgroupProcs?.length || o.cloneInto)) ops.push(['early_pid']);
  if (o.execFifo) ops.push(['exec_fifo', o.execFifo]);
  if (o.noMonitor) ops.push(['no_monitor']);
  ops.push(['begin']);

  // A new cgroup namespace is made by the init itself once the monitor has placed it in its cgroup,
  // so its root is the container's cgroup, not the host's.
  if (ns.some((n) => n.type === 'cgroup' && !n.path)) ops.push(['unshare', hex(CLONE.cgroup)]);
  // In a new user namespace the init becomes its root — after the rootfs is bound when there is a
  // mount namespace: until then it still has the host's uid, which may walk a 0700 bundle path.
  if (has('user') && !has('mount')) ops.push(['become_root']);
  for (const n of ns) if (n.path && n.type === 'mount') ops.push(['join_ns', 'mnt', n.path]);
  // A fresh network namespace has lo down; bring it up here rather than with an `ip` process.
  if (ns.some((n) => n.type === 'network' && !n.path)) ops.push(['lo_up']);
  if (has('uts') && spec.hostname) ops.push(['sethostname', spec.hostname]);
  if (has('uts') && spec.domainname) ops.push(['setdomainname', spec.domainname]);
  if (has('mount')) pushFilesystem(ops, spec, o, rootfs);
  // No mount namespace: the host's mounts as they are, but the process still lives in root.path (as runc, crun).
  else ops.push(['chroot', rootfs]);
  pushLimits(ops, spec);
  pushCredentials(ops, spec, o);
  return ops;
}

const PROPAGATIONS = ['shared', 'slave', 'private', 'unbindable', 'rshared', 'rslave', 'rprivate', 'runbindable'];

function pushFilesystem(ops: Op[], spec: Spec, o: PlanOptions, rootfs: string): void {
  const prop = spec.linux?.rootfsPropagation;
  if (prop && !PROPAGATIONS.includes(prop)) throw invalidArgument(`invalid config.json: linux.rootfsPropagation: \`${prop}\` is not one of ${PROPAGATIONS.join(', ')}`);
  // Cut the host off first (rslave, as runc's prepareRoot); the config's rootfsPropagation is for the
  // container's own / and goes on after pivot_root: a shared / before it makes pivot_root fail (EINVAL).
  ops.push(['propagation', hex(MS.SLAVE | MS.REC)]);
  for (const m of o.rootfsMounts ?? []) ops.push(['mount', m.source, rootfs, m.type, '0', m.options.join(',')]);
  ops.push(['rootfs', rootfs]);
  if (spec.linux?.namespaces?.some((n) => n.type === 'user')) ops.push(['become_root']);
  let freshDev = false;
  for (const m of spec.mounts ?? []) {
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      pushCgroupMount(ops, m, spec, o);
      continue;
    }
    const { flags, data } = parseMountOptions(m.options);
    const bind = m.type === 'bind' || (flags & MS.BIND) !== 0;
    const source = bind ? path.resolve(o.bundle, m.source ?? '') : (m.source ?? m.type ?? 'none');
    ops.push(['mount', source, m.destination, bind ? '' : (m.type ?? ''), hex(bind ? flags | MS.BIND : flags), data]);
    if (m.destination === '/dev' && m.type === 'tmpfs') freshDev = true;
  }
  if (freshDev) {
    const devices = [...DEFAULT_DEVICE_NODES, ...(spec.linux?.devices ?? [])];
    const seen = new Set<string>();
    for (const d of devices.reverse()) {
      if (seen.has(d.path)) continue;
      seen.add(d.path);
      const mode = ('fileMode' in d && d.fileMode !== undefined ? d.fileMode : 0o666).toString(8);
      const uid = 'uid' in d ? d.uid ?? 0 : 0;
      const gid = 'gid' in d ? d.gid ?? 0 : 0;
      ops.push(['mknod', d.path, mode, d.type === 'u' ? 'c' : d.type, d.major ?? 0, d.minor ?? 0, uid, gid]);
    }
    for (const [target, link] of DEFAULT_DEVICE_SYMLINKS) ops.push(['symlink', target, link]);
  }
  pushHooks(ops, spec.hooks?.createContainer, o);
  ops.push([o.noPivot ? 'move_root' : 'pivot_root']);
  if (spec.process?.terminal) ops.push(consoleOp(spec.process.consoleSize));
  for (const [k, v] of Object.entries(spec.linux?.sysctl ?? {})) ops.push(['sysctl', k, v]);
  for (const p of spec.linux?.maskedPaths ?? []) ops.push(['mask', p]);
  for (const p of spec.linux?.readonlyPaths ?? []) ops.push(['readonly', p]);
  if (spec.root?.readonly) ops.push(['remount_ro', '/']);
  // Last, once / is the container's and the masks are bound (an unbindable / refuses those binds).
  if (spec.linux?.rootfsPropagation) ops.push(['propagation', hex(propagationFlags(spec.linux.rootfsPropagation))]);
}

/** cgroup mounts: cgroup2 as is; on v1 a tmpfs holding one mount per hierarchy (needs a cgroup namespace). */
function pushCgroupMount(ops: Op[], m: Mount, spec: Spec, o: PlanOptions): void {
  const { flags } = parseMountOptions(m.options);
  const base = flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME);
  if (o.cgroupMounts === 'v2') {
    ops.push(['mount', 'cgroup2', m.destination, 'cgroup2', hex(base), '']);
    return;
  }
  ops.push(['mount', 'tmpfs', m.destination, 'tmpfs', hex(MS.NOSUID | MS.NODEV | MS.NOEXEC), 'mode=755']);
  if (!spec.linux?.namespaces?.some((n) => n.type === 'cgroup' && !n.path)) return;
  for (const opts of o.cgroupMounts ?? []) {
    const name = opts.map((x) => x.replace(/^name=/, '')).join(',');
    ops.push(['mount', 'cgroup', `${m.destination}/${name}`, 'cgroup', hex(base), opts.join(',')]);
  }
}

function pushHooks(ops: Op[], hooks: Hook[] | undefined, o: PlanOptions): void {
  if (!hooks?.length) return;
  if (o.hookStatePath && !ops.some((x) => x[0] === 'hook_state')) ops.push(['hook_state', o.hookStatePath]);
  for (const h of hooks) {
    const args = h.args?.length ? h.args : [h.path];
    ops.push(['hook', h.timeout ?? 0, h.path, args.length, ...args, ...(h.env ?? [])]);
  }
}

function pushLimits(ops: Op[], spec: Spec): void {
  for (const r of spec.process?.rlimits ?? []) {
    const n = RLIMITS[r.type];
    if (n === undefined) throw invalidArgument(`invalid config.json: process.rlimits: unknown rlimit type \`${r.type}\``);
    ops.push(['rlimit', n, r.soft, r.hard, r.type]);
  }
  if (spec.process?.oomScoreAdj !== undefined) ops.push(['oom_score_adj', spec.process.oomScoreAdj]);
}

export interface ExecPlanOptions {
  capMask: (names: readonly string[]) => bigint;
  seccomp?: { program: Uint8Array; flags: number };
  /** cgroup.procs files to join. */
  cgroupProcs?: string[];
  /** runc exec --detach under a shim: the process keeps the caller's stdio and is not waited for. */
  direct?: boolean;
  /** With direct and process.terminal: where the pty master goes. */
  consoleSocket?: string;
  /** With process.terminal: the sync channel stays open for `resize ROWS COLS` lines (the Engine API's exec resize). */
  resizable?: boolean;
}

/**
 * The plan for `berth-helper exec PLAN PID`: a process joining a running container
 * (its namespaces are taken from PID), with the same credential steps as the init.
 */
export function buildExecPlan(process: NonNullable<Spec['process']>, o: ExecPlanOptions): Op[] {
  const ops: Op[] = [];
  if (process.terminal) ops.push(['terminal', '-']);
  if (o.direct) ops.push(['direct']);
  if (o.direct && process.terminal && o.consoleSocket) ops.push(['console_socket', o.consoleSocket]);
  if (o.resizable && process.terminal && !o.direct) ops.push(['resize_chan']);
  for (const f of o.cgroupProcs ?? []) ops.push(['cgroup_procs', f]);
  ops.push(['begin']);
  if (process.terminal) ops.push(consoleOp(process.consoleSize));
  pushLimits(ops, { ociVersion: '', process });
  pushCredentials(ops, { ociVersion: '', process }, { ...o, id: '', bundle: '', stateDir: '', stdio: { mode: 'null' } });
  return ops.filter((op) => op[0] !== 'wait_start');
}

function pushCredentials(ops: Op[], spec: Spec, o: PlanOptions): void {
  const p = spec.process!;
  const caps = p.capabilities ?? {};
  const seccomp: Op[] = o.seccomp ? [['seccomp', hex(o.seccomp.flags), Buffer.from(o.seccomp.program).toString('hex')]] : [];
  // Without no_new_privs, installing a filter needs CAP_SYS_ADMIN: do it before dropping privileges (as runc).
  if (!p.noNewPrivileges) ops.push(...seccomp);
  if (caps.bounding) ops.push(['bounding', hex(o.capMask(caps.bounding))]);
  const changesUser = p.user.uid !== 0 || p.user.gid !== 0;
  if (changesUser) ops.push(['keepcaps']);
  ops.push(['setgroups', (p.user.additionalGids ?? []).join(',')]);
  ops.push(['setgid', p.user.gid], ['setuid', p.user.uid]);
  ops.push(['caps', hex(o.capMask(caps.effective ?? [])), hex(o.capMask(caps.permitted ?? [])), hex(o.capMask(caps.inheritable ?? []))]);
  // The kernel raises an ambient capability only when it is permitted and inheritable; runc and
  // crun skip the others (runc's default spec lists ambient caps with no inheritable set).
  const ambient = (caps.ambient ?? []).filter((c) => caps.inheritable?.includes(c) && caps.permitted?.includes(c));
  if (ambient.length) ops.push(['ambient', hex(o.capMask(ambient))]);
  if (p.user.umask !== undefined) ops.push(['umask', p.user.umask.toString(8)]);
  for (const e of p.env ?? []) ops.push(['env', e]);
  ops.push(['cwd', p.cwd]);
  ops.push(['check_exec', p.args[0]]);
  ops.push(['wait_start']);
  pushHooks(ops, spec.hooks?.startContainer, o);
  // Checked against the host first (apparmor.ts); the profile takes effect at exec.
  if (p.apparmorProfile) ops.push(['apparmor', p.apparmorProfile]);
  if (p.noNewPrivileges) ops.push(['no_new_privs'], ...seccomp);
  ops.push(['exec', ...p.args]);
}

/** Percent-encode the characters the plan's framing uses. */
function encode(v: string | number): string {
  return String(v).replace(/[%\t\n\r\0]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase());
}

export function serializePlan(ops: Op[]): string {
  return ops.map((op) => op.map(encode).join('\t')).join('\n') + '\n';
}

/** The pty in the container, at process.consoleSize when given (rows cols), else the kernel's 0x0 until a resize. */
function consoleOp(size: { height: number; width: number } | undefined): Op {
  return size && size.height > 0 && size.width > 0 ? ['console', size.height, size.width] : ['console'];
}

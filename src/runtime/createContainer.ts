/**
 * `create` (and the first half of `run`): spec -> plan -> helper, with the
 * runtime's own part (cgroups, hooks) done while the init waits on the sync pipe.
 */
import fs from 'node:fs';
import path from 'node:path';
import { alreadyExists, BerthError, notFound } from '../errors.js';
import { atomicWriteFileSync } from '../sys/atomicWrite.js';
import { helperError, spawnHelper, type HelperHandle, type HelperMessage } from '../sys/helper.js';
import { processStartTime } from '../sys/procAlive.js';
import { capsToMask } from './capabilities.js';
import { withHostCapabilities } from './hostCapabilities.js';
import { checkAppArmor } from './apparmor.js';
import { Cgroup, cgroupRelPath, compileDeviceFilter, validateRelPath, type CgroupLayout } from './cgroups/index.js';
import { cgroupLayout } from './hostCgroupLayout.js';
import { registerCgroup, unregisterCgroup } from './cgroupOwners.js';
import { runHooks } from './hooks.js';
import { DEFAULT_DEVICE_RULES } from './deviceDefaults.js';
import { buildPlan, serializePlan, type PlanOptions, type Stdio } from './plan.js';
import { loadSpec, type Spec } from './spec.js';
import { StateDir, OCI_VERSION, type OciState, type StoredState } from './state.js';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  spec?: Spec;
  /** create: hold the init before exec until `start`. run: exec at once. */
  holdForStart: boolean;
  stdio: Stdio;
  consoleSocket?: string;
  pidFile?: string;
  rootfsMounts?: PlanOptions['rootfsMounts'];
  attachSocket?: PlanOptions['attachSocket'];
  stdinPipe?: PlanOptions['stdinPipe'];
  restart?: PlanOptions['restart'];
  health?: PlanOptions['health'];
  onExit?: PlanOptions['onExit'];
  /** runc's way: the helper exits once the init waits for start; see PlanOptions.noMonitor. */
  noMonitor?: boolean;
  noPivot?: boolean;
  /** The engine's part while the init waits (e.g. networking); runs after cgroup placement. */
  beforeStart?: (pid: number) => Promise<void>;
}

export interface Created {
  state: StoredState;
  spec: Spec;
  helper: HelperHandle;
  sd: StateDir;
  cgroup?: Cgroup;
  /** The helper's own time from clone to exec (ns), minus the wait for the runtime's go. */
  helperNs?: number;
}

export { cgroupLayout } from './hostCgroupLayout.js';

/** OCI linux.cgroupsPath: absolute paths are taken as is (relative to each hierarchy root), else under berth/. */
export function cgroupPathFor(spec: Spec, id: string): string {
  const p = spec.linux?.cgroupsPath;
  if (p) return validateRelPath(p);
  return cgroupRelPath(id);
}

/** Like runc: the spec's device rules, then the devices every container may use (null, zero, tty, pts...). */
function withDefaultDevices(resources: Record<string, unknown>): Record<string, unknown> {
  const rules = resources.devices as unknown[] | undefined;
  if (!rules) return resources;
  return { ...resources, devices: [...rules, ...DEFAULT_DEVICE_RULES.filter((r) => r.allow)] };
}

/** On cgroup v2 the devices rules are an eBPF program the monitor attaches (v1 has the devices controller). */
function deviceFilterFor(layout: CgroupLayout | undefined, cgroup: Cgroup | undefined, spec: Spec): PlanOptions['deviceFilter'] {
  const devices = (spec.linux?.resources as { devices?: unknown[] } | undefined)?.devices;
  const target = cgroup?.bpfDeviceTarget();
  if (layout?.mode !== 'v2' || !devices || !target) return undefined;
  const rules = withDefaultDevices({ devices }).devices as never;
  return { cgroupDir: target, program: compileDeviceFilter(rules).program };
}

function v1CgroupMounts(layout: CgroupLayout): string[][] | 'v2' {
  if (layout.mode === 'v2') return 'v2';
  const byMount = new Map<string, string[]>();
  for (const [ctrl, mnt] of Object.entries(layout.v1)) byMount.set(mnt, [...(byMount.get(mnt) ?? []), ctrl]);
  return [...byMount.values()].map((c) => c.sort());
}

export async function createContainer(o: CreateOptions): Promise<Created> {
  const sd = new StateDir(o.root, o.id);
  if (sd.exists()) throw alreadyExists(`container \`${o.id}\` already exists`);
  const bundle = path.resolve(o.bundle);
  const spec = withHostCapabilities(o.spec ?? loadSpec(bundle));
  checkAppArmor(spec.process);
  const rootfs = path.resolve(bundle, spec.root!.path);
  if (!fs.existsSync(rootfs)) throw notFound(`rootfs \`${rootfs}\` does not exist`);
  const needsCgroup = spec.linux?.resources !== undefined || spec.linux?.cgroupsPath !== undefined || spec.mounts?.some((m) => m.type === 'cgroup');
  const layout = needsCgroup ? cgroupLayout() : undefined;
  fs.mkdirSync(o.root, { recursive: true, mode: 0o711 });
  fs.mkdirSync(sd.dir, { mode: 0o711 });
  let helper: HelperHandle | undefined;
  let cgroup: Cgroup | undefined;
  try {
    const cgroupPath = layout ? cgroupPathFor(spec, o.id) : undefined;
    if (layout && cgroupPath) {
      // Record it first: a CLI killed from here on leaves a cgroup that delete can still find.
      fs.writeFileSync(path.join(sd.dir, 'cgroup'), cgroupPath);
      registerCgroup(cgroupPath, sd.dir);
      cgroup = Cgroup.create(layout, cgroupPath);
      if (spec.linux?.resources) cgroup.update(withDefaultDevices(spec.linux.resources) as never);
    }
    const needsHookState = !!(spec.hooks?.createContainer?.length || spec.hooks?.startContainer?.length);
    const ops = buildPlan(spec, {
      id: o.id, bundle, stateDir: sd.dir, stdio: o.stdio, consoleSocket: o.consoleSocket,
      execFifo: o.holdForStart ? sd.fifo : undefined,
      rootfsMounts: o.rootfsMounts,
      attachSocket: o.attachSocket, stdinPipe: o.stdinPipe, restart: o.restart, health: o.health, onExit: o.onExit,
      hookStatePath: needsHookState ? sd.hookStateFile : undefined,
      capMask: capsToMask,
      seccomp: spec.linux?.seccomp ? await (await import('./seccompFor.js')).compileSeccompFor(spec.linux.seccomp, o.root) : undefined,
      cgroupMounts: layout ? v1CgroupMounts(layout) : undefined,
      // The init is born in its cgroup2 directory (no migration there); the v1 ones it joins.
      cloneInto: cgroup?.bpfDeviceTarget(),
      cgroupProcs: cgroup?.dirs().filter((d) => d !== cgroup?.bpfDeviceTarget()).map((d) => path.join(d, 'cgroup.procs')),
      // Hooks may expect the init in its cgroups; without them our part overlaps the placement.
      earlyPid: !(spec.hooks?.prestart?.length || spec.hooks?.createRuntime?.length || spec.hooks?.createContainer?.length),
      deviceFilter: deviceFilterFor(layout, cgroup, spec),
      noMonitor: o.noMonitor, noPivot: o.noPivot,
    });
    fs.writeFileSync(sd.planFile, serializePlan(ops), { mode: 0o600 });
    helper = spawnHelper(sd.planFile, o.stdio.mode === 'inherit' ? 'inherit' : 'ignore');
    const pid = expect(await helper.next(), 'pid').pid;
    const state: StoredState = {
      id: o.id, bundle, pid, pidStart: processStartTime(pid), monitorPid: helper.child.pid!,
      created: new Date().toISOString(), rootfs, annotations: spec.annotations, cgroupPath,
      cgroupLayout: cgroupPath ? layout : undefined,
    };
    sd.write(state);
    if (o.beforeStart) await o.beforeStart(pid);
    if (o.pidFile) atomicWriteFileSync(path.resolve(o.pidFile), String(pid));
    // The state every create-time hook sees says `created` (runc and crun pass the same).
    const oci: OciState = { ociVersion: OCI_VERSION, id: o.id, status: 'created', pid, bundle, annotations: spec.annotations };
    await runHooks(spec.hooks, 'prestart', oci);
    await runHooks(spec.hooks, 'createRuntime', oci);
    if (needsHookState) atomicWriteFileSync(sd.hookStateFile, JSON.stringify(oci));
    helper.send('go');
    let m = await helper.next();
    if (m.kind === 'ready' && !o.holdForStart) m = await helper.next();
    let helperNs: number | undefined;
    if (m.kind === 'exec') helperNs = m.totalNs - m.goWaitNs;
    else expect(m, 'ready');
    return { state, spec, helper, sd, cgroup, helperNs };
  } catch (e) {
    await abandon(sd, helper, cgroup);
    throw e;
  }
}

function expect<K extends HelperMessage['kind']>(m: HelperMessage, kind: K): Extract<HelperMessage, { kind: K }> {
  if (m.kind === 'error') throw helperError(m);
  if (m.kind !== kind) throw new BerthError('Internal', `helper protocol: expected \`${kind}\`, got \`${m.kind}\``);
  return m as Extract<HelperMessage, { kind: K }>;
}

/** Undo a failed create: stop the init, wait for the monitor, remove cgroup and state. */
async function abandon(sd: StateDir, helper: HelperHandle | undefined, cgroup: Cgroup | undefined): Promise<void> {
  if (helper) {
    const s = sd.read();
    if (s) try { process.kill(s.pid, 'SIGKILL'); } catch { /* already gone */ }
    helper.detach();
    helper.child.ref();
    await helper.exited;
  }
  try {
    cgroup?.abandon();
    if (cgroup) unregisterCgroup(cgroup.relPath, sd.dir);
  } catch { /* best effort; reported by delete */ }
  sd.remove();
}

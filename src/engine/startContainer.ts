/**
 * Start a container: the record -> OCI spec -> the runtime's createContainer with the
 * snapshot's overlay as rootfs mounts and the monitor writing json-file logs. Used by
 * `start`, `run` and `restart`; a previous run's runtime state is cleared first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, isBerthError } from '../errors.js';
import { createContainer, type Created } from '../runtime/createContainer.js';
import { deleteContainer } from '../runtime/lifecycle.js';
import { writeExecPlan } from '../runtime/execContainer.js';
import { helperPath, projectDir } from '../sys/paths.js';
import type { Spec } from '../runtime/spec.js';
import { ImageStore } from '../image/ImageStore.js';
import { Snapshotter } from '../image/Snapshotter.js';
import { buildSpec } from './buildSpec.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { containerEvent, markStarted, volumeMountEvents } from './containerEvents.js';
import { deviceInfo, hostBounding, seccompProfileFor, writeEtcFiles } from './hostInputs.js';
import { snapshotRoot, userFiles } from './containerFiles.js';
import { layeredStat, resolveUser } from './imageFiles.js';
import { donorOf } from './namespaceModes.js';
import { POD_LABEL } from './podLabel.js';
import { networkStarter, prepareNetns } from './network.js';
import { exitCommand } from './cleanupContainer.js';
import type { ContainerRecord } from './types.js';
import { fitEtcFiles, prepareUserns } from './usernsSetup.js';
import { listHostDevices } from '../sys/hostDevices.js';

export interface StartResult {
  created: Created;
  record: ContainerRecord;
}

/** The snapshot's dirs, top first (upper, then layers). */
export function snapshotDirs(images: ImageStore, key: string): string[] {
  const snap = new Snapshotter(images);
  return [snap.upperDir(key), ...snap.lowerDirs(snap.info(key))];
}

/** mkdir -p the working directory in the upper dir, unless a component is a symlink or non-dir. */
function ensureWorkdir(dirs: string[], workdir: string): void {
  if (!workdir || workdir === '/') return;
  const parts = workdir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const st = layeredStat(dirs, parts.slice(0, i).join('/'));
    if (st && !st.isDirectory()) return;
  }
  fs.mkdirSync(path.join(dirs[0], ...parts), { recursive: true, mode: 0o755 });
}

/** Start `rec` (caller holds its lock); with `hold` the init waits for the runtime's start (attach first). Throws BerthError with exitCode 126/127 when the command cannot run. */
export async function startRecord(store: ContainerStore, rec: ContainerRecord, opts: { hold?: boolean; removeOnExit?: boolean } = {}): Promise<StartResult> {
  // A pod's container: the pod cgroup (with its limits) exists and the infra holding the namespaces runs.
  if (rec.Config.Labels?.[POD_LABEL]) await (await import('./pods/podCgroup.js')).preparePodStart(store, rec, rec.Config.Labels[POD_LABEL]);
  const images = new ImageStore(store.root);
  if (fs.existsSync(path.join(store.runtimeRoot, rec.Id))) {
    liveState(store, rec); // the last run's exit is recorded (die) before its state goes
    fs.writeFileSync(path.join(store.runtimeRoot, rec.Id, 'stop-requested'), '');
    await deleteContainer(store.runtimeRoot, rec.Id, true, { keepParents: true });
  }
  // A bridged container's netns (an `unshare` process) is made while the spec's inputs are gathered.
  const netnsReady = prepareNetns(store, rec);
  netnsReady.catch(() => undefined);
  const dirs = snapshotDirs(images, rec.SnapshotKey);
  const user = rec.ProcessUser ?? userFor(rec, images);
  ensureWorkdir(dirs, rec.Config.WorkingDir);
  const userns = prepareUserns(store, rec, images);
  const cdir = store.dir(rec.Id);
  const rootfs = path.join(cdir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  const netnsPath = await netnsReady;
  const hc = rec.HostConfig;
  const nsMod = donorOf(hc.PidMode) || donorOf(hc.IpcMode) || donorOf(hc.UTSMode) || hc.IpcMode === 'shareable' ? await import('./joinedNamespaces.js') : undefined;
  const joined = nsMod?.joinedNamespaces(store, rec);
  const shmDir = hc.IpcMode === 'shareable' ? nsMod!.shmDir(store, rec.Id) : undefined;
  if (shmDir) fs.mkdirSync(shmDir, { mode: 0o1777, recursive: true });
  if (shmDir) fs.chmodSync(shmDir, 0o1777);
  const spec = buildSpec(rec, {
    joined, shmDir,
    rootfs, netnsPath, etcFiles: fitEtcFiles(writeEtcFiles(cdir, rec), userns?.config), user, initBinary: helperPath, hostBounding: hostBounding(), seccompProfile: seccompProfileFor(rec), device: deviceInfo, userns: userns?.config,
    // In a user namespace of its own, a privileged container's root is not the host's: no host devices.
    ...(rec.HostConfig.Privileged && !userns ? { hostDevices: listHostDevices() } : {}),
  });
  // The runtime gets the spec itself; config.json is the bundle's copy for hooks and humans (no fsync needed).
  fs.writeFileSync(path.join(cdir, 'config.json'), JSON.stringify(spec));
  const log = rec.HostConfig.LogConfig;
  const { parseLogOpts } = await import('./parseFlags.js');
  const lo = parseLogOpts(Object.entries(log.Config).map(([k, v]) => `${k}=${v}`), log.Type);
  const rp = rec.HostConfig.RestartPolicy;
  let created: Created;
  try {
    created = await createContainer({
      root: store.runtimeRoot, id: rec.Id, bundle: cdir, spec, holdForStart: !!opts.hold,
      // --log-driver none: the monitor still relays output to attached clients, but keeps no file ('').
      stdio: { mode: 'log', path: log.Type === 'none' ? '' : store.logPath(rec.Id), maxSize: lo.maxSize, maxFiles: lo.maxFiles },
      rootfsMounts: userns?.rootfsMounts ?? images.snapshotMounts(rec.SnapshotKey),
      attachSocket: attachSocketPath(store, rec.Id),
      stdinPipe: rec.Config.OpenStdin,
      restart: rp.Name === 'no' || rp.Name === '' ? undefined : { policy: rp.Name, maxRetries: rp.MaximumRetryCount },
      health: await healthFor(rec, cdir, spec, store.runtimeRoot),
      beforeStart: networkStarter(store, rec, netnsPath),
      // A detached --rm container: the monitor starts `berth rm -f` itself when it ends (no daemon);
      // otherwise `berth container cleanup` releases a bridged container's networks.
      onExit: exitCommand(store, rec, path.join(projectDir, 'bin', 'berth.js'), !!opts.removeOnExit),
    });
  } catch (e) {
    rec.State = { ...rec.State, Status: rec.State.Status === 'created' ? 'created' : 'exited', Running: false, Error: messageOf(e), ExitCode: exitOf(e) };
    store.write(rec);
    throw e;
  }
  rec.State = { Status: 'running', Running: true, StartedAt: created.state.created, FinishedAt: '0001-01-01T00:00:00Z', Error: '', ExitCode: 0 };
  rec.ProcessUser = user;
  store.write(rec);
  markStarted(store, created.state.pid, rec.Id);
  volumeMountEvents(store, rec, 'mount');
  containerEvent(store, rec, 'start');
  return { created, record: rec };
}

/** The monitor's attach socket (short path: sun_path holds 108 bytes). */
export function attachSocketPath(store: ContainerStore, id: string): string {
  return path.join(store.runtimeRoot, `${id.slice(0, 12)}.sock`);
}

/** Docker's defaults: 30s interval, 30s timeout, 0 start period, 3 retries. */
async function healthFor(rec: ContainerRecord, cdir: string, spec: Spec, runtimeRoot: string) {
  const h = rec.Config.Healthcheck;
  const test = h?.Test;
  if (!test?.length || test[0] === 'NONE') return undefined;
  const args = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test[0] === 'CMD' ? test.slice(1) : test;
  if (!args.length) return undefined;
  const planFile = path.join(cdir, 'health.plan');
  // The check runs under the container's own seccomp filter, as Docker's exec does.
  const seccomp = spec.linux?.seccomp ? await (await import('../runtime/seccompFor.js')).compileSeccompFor(spec.linux.seccomp, runtimeRoot) : undefined;
  writeExecPlan(planFile, { ...spec.process!, args, terminal: false }, { cgroupPath: spec.linux?.cgroupsPath }, seccomp);
  const ms = (ns: number | undefined, def: number) => (ns ? Math.max(1, Math.round(ns / 1e6)) : def);
  return { planFile, intervalMs: ms(h!.Interval, 30000), timeoutMs: ms(h!.Timeout, 30000), startPeriodMs: ms(h!.StartPeriod, 0), retries: h!.Retries || 3 };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
function exitOf(e: unknown): number {
  return isBerthError(e) && e.exitCode ? e.exitCode : 128;
}

/** The user the container runs as: -u / USER looked up in its own /etc/passwd and /etc/group (read inside its root). */
function userFor(rec: ContainerRecord, images: ImageStore) {
  const r = resolveUser(rec.Config.User, ...userFiles(snapshotRoot(images, rec.SnapshotKey)));
  if ('error' in r) throw new BerthError('InvalidArgument', r.error, { code: 'container.user' });
  return r;
}

/** Start unless running; returns whether it started. */
export async function startContainer(store: ContainerStore, ref: string): Promise<boolean> {
  const found = store.find(ref);
  return store.withLock(found.Id, async () => {
    const rec = store.read(found.Id);
    if (!rec) throw new BerthError('NotFound', `No such container: ${ref}`);
    if (liveState(store, rec).Running) return false;
    const r = await startRecord(store, rec, { removeOnExit: rec.HostConfig.AutoRemove });
    r.created.helper.detach();
    return true;
  });
}

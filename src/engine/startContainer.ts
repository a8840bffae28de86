/**
 * Start a container: the record -> OCI spec -> the runtime's createContainer with the
 * snapshot's overlay as rootfs mounts and the monitor writing json-file logs. Used by
 * `start`, `run` and `restart`; a previous run's runtime state is cleared first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, isBerthError } from '../errors.js';
import { writeJsonAtomic } from '../sys/atomicWrite.js';
import { createContainer, type Created } from '../runtime/createContainer.js';
import { deleteContainer } from '../runtime/lifecycle.js';
import { ImageStore } from '../image/ImageStore.js';
import { Snapshotter } from '../image/Snapshotter.js';
import { buildSpec } from './buildSpec.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { deviceInfo, hostBounding, seccompProfileFor, writeEtcFiles } from './hostInputs.js';
import { layeredStat, readLayeredFile, resolveUser } from './imageFiles.js';
import { setupNetwork } from './network.js';
import type { ContainerRecord } from './types.js';

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

/** Start `rec` (caller holds its lock). Throws BerthError with exitCode 126/127 when the command cannot run. */
export async function startRecord(store: ContainerStore, rec: ContainerRecord): Promise<StartResult> {
  const images = new ImageStore(store.root);
  if (fs.existsSync(path.join(store.runtimeRoot, rec.Id))) await deleteContainer(store.runtimeRoot, rec.Id, true);
  const dirs = snapshotDirs(images, rec.SnapshotKey);
  const user = rec.ProcessUser ?? userFor(rec, dirs);
  ensureWorkdir(dirs, rec.Config.WorkingDir);
  const cdir = store.dir(rec.Id);
  const rootfs = path.join(cdir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  const spec = buildSpec(rec, {
    rootfs, etcFiles: writeEtcFiles(cdir, rec), user, hostBounding: hostBounding(), seccompProfile: seccompProfileFor(rec), device: deviceInfo,
  });
  writeJsonAtomic(path.join(cdir, 'config.json'), spec);
  const log = rec.HostConfig.LogConfig.Config;
  const { parseLogOpts } = await import('./parseFlags.js');
  const lo = parseLogOpts(Object.entries(log).map(([k, v]) => `${k}=${v}`));
  let created: Created;
  try {
    created = await createContainer({
      root: store.runtimeRoot, id: rec.Id, bundle: cdir, spec, holdForStart: false,
      stdio: { mode: 'log', path: store.logPath(rec.Id), maxSize: lo.maxSize, maxFiles: lo.maxFiles },
      rootfsMounts: images.snapshotMounts(rec.SnapshotKey),
      beforeStart: (pid) => setupNetwork(store, rec, pid),
    });
  } catch (e) {
    rec.State = { ...rec.State, Status: rec.State.Status === 'created' ? 'created' : 'exited', Running: false, Error: messageOf(e), ExitCode: exitOf(e) };
    store.write(rec);
    throw e;
  }
  rec.State = { Status: 'running', Running: true, StartedAt: created.state.created, FinishedAt: '0001-01-01T00:00:00Z', Error: '', ExitCode: 0 };
  rec.ProcessUser = user;
  store.write(rec);
  return { created, record: rec };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
function exitOf(e: unknown): number {
  return isBerthError(e) && e.exitCode ? e.exitCode : 128;
}

function userFor(rec: ContainerRecord, dirs: string[]) {
  const r = resolveUser(rec.Config.User, readLayeredFile(dirs, 'etc/passwd'), readLayeredFile(dirs, 'etc/group'));
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
    const r = await startRecord(store, rec);
    r.created.helper.detach();
    return true;
  });
}

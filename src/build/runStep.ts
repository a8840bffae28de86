/**
 * RUN: the command runs in a build container made by the engine's own create/start path
 * (`run`'s isolation and default security: namespaces, cgroups, capabilities, seccomp,
 * masked paths), from the step image so far; its layer is the snapshot's upper dir
 * (deletions and opaque dirs as whiteouts, src/image/commitSnapshot.ts). The container is
 * removed whatever happens.
 */
import { Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import { ContainerStore } from '../engine/ContainerStore.js';
import { runContainer } from '../engine/runContainer.js';
import { emptyRunFlags } from '../engine/runFlags.js';
import type { ContainerRecord } from '../engine/types.js';
import { snapshotLayer } from '../image/commitSnapshot.js';
import type { Digest } from '../image/digest.js';
import type { ImageStore } from '../image/ImageStore.js';
import { Snapshotter } from '../image/Snapshotter.js';

export interface RunSpec {
  image: string;
  argv: string[];
  /** Build args in scope (K=V), the image's Env overrides them. */
  env: string[];
  network?: string;
  /** `build --add-host`, `--ulimit`, `--shm-size` (bytes). */
  options?: { addHost: string[]; ulimit: string[]; shmSize?: number };
  /** --mount specs for the engine (`type=bind,source=...,target=...`). */
  mounts: string[];
  tmpfs: string[];
  /** Mount points (no leading /) to leave out of the layer. */
  exclude: string[];
  /** SOURCE_DATE_EPOCH: layer timestamps clamped to it. */
  mtimeMax?: number;
  output: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Called with the container once it exists (so an interrupt can stop and remove it). */
  started?: (rec: { id: string; remove: () => Promise<void> }) => void;
}

/** The one line BuildKit prints for a failing RUN. */
export function runFailed(argv: string[], code: number): BerthError {
  return new BerthError('FailedPrecondition', `process ${JSON.stringify(argv.join(' '))} did not complete successfully: exit code: ${code}`, { exitCode: 1, code: 'build.run' });
}

export async function runStep(images: ImageStore, spec: RunSpec): Promise<{ digest: Digest; size: number }> {
  const store = new ContainerStore(images.root);
  const flags = emptyRunFlags();
  flags.entrypoint = '';
  flags.env = spec.env;
  flags.mount = spec.mounts;
  flags.tmpfs = spec.options?.shmSize ? [...spec.tmpfs, `/dev/shm:rw,nosuid,nodev,noexec,mode=1777,size=${spec.options.shmSize}`] : spec.tmpfs;
  if (spec.options?.addHost.length) flags.addHost = spec.options.addHost;
  if (spec.options?.ulimit.length) flags.ulimit = spec.options.ulimit;
  if (spec.network && spec.network !== 'default') flags.network = spec.network;
  const sink = (s: 'stdout' | 'stderr') => new Writable({ write(c: Buffer, _e, cb) { spec.output(s, c); cb(); } });
  let rec: ContainerRecord | undefined;
  const remove = async () => {
    const found = rec;
    if (!found) return;
    rec = undefined;
    const { removeContainerFiles } = await import('../engine/removeContainer.js');
    await store.withLock(found.Id, () => removeContainerFiles(store, found, true)).catch(() => undefined);
  };
  try {
    const r = await runContainer(store, { image: spec.image, command: spec.argv, flags }, { stdout: sink('stdout'), stderr: sink('stderr'), onCreated: (c: ContainerRecord) => { rec = c; spec.started?.({ id: c.Id, remove }); } });
    if (r.exitCode !== 0) throw runFailed(spec.argv, r.exitCode ?? 1);
    const snaps = new Snapshotter(images);
    return await images.lease(async () => {
      const { blob, staged } = await snapshotLayer(images, snaps, rec!.SnapshotKey, undefined, spec.exclude, spec.mtimeMax);
      images.layers.commit(staged);
      return blob;
    });
  } finally {
    await remove();
  }
}

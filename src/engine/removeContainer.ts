/**
 * `rm`: stop (with -f), drop the runtime state and cgroup, the snapshot, anonymous
 * volumes (with -v), then the record and the name. Each step tolerates a missing piece,
 * so a `rm` killed half-way is finished by the next one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { conflict } from '../errors.js';
import { ImageStore } from '../image/ImageStore.js';
import { deleteContainer } from '../runtime/lifecycle.js';
import { cgroupRelPath } from '../runtime/cgroups/index.js';
import { containerCgroup } from '../runtime/hostCgroupLayout.js';
import { unregisterCgroup } from '../runtime/cgroupOwners.js';
import { damagedError, isDamaged, type ContainerStore, type DamagedRecord } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { containerEvent, noteForcedDie } from './containerEvents.js';
import type { ContainerRecord } from './types.js';
import { disconnectNetwork, disconnectNetworkOf } from './disconnectNetwork.js';
import { markReleasedByCaller } from './cleanupContainer.js';
import { attachSocketPath } from './startContainer.js';
import { requestStop } from './stopContainer.js';
import { VolumeStore } from './volumes.js';
import { releaseUserns } from './usernsSetup.js';

export async function removeContainer(store: ContainerStore, ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<string> {
  const entry = store.findEntry(ref);
  if (isDamaged(entry)) {
    if (!opts.force) throw damagedError(entry);
    return store.withLock(entry.id, async () => {
      await removeDamaged(store, entry);
      return entry.id;
    }).finally(() => fs.rmSync(store.lockFile(entry.id), { force: true }));
  }
  const found = entry;
  return store.withLock(found.Id, async () => {
    const rec = store.read(found.Id) ?? found;
    const st = liveState(store, rec);
    if (st.Running && !opts.force) {
      const what = st.Paused ? 'paused' : 'running';
      throw conflict(`cannot remove container "${rec.Name}": container is ${what}: stop the container before removing or force remove`);
    }
    await removeContainerFiles(store, rec, !!opts.volumes);
    return rec.Id;
  }).finally(() => fs.rmSync(store.lockFile(found.Id), { force: true }));
}

/** Everything but the lock; used by rm, --rm and a failed create. */
export async function removeContainerFiles(store: ContainerStore, rec: ContainerRecord, volumes: boolean): Promise<void> {
  if (fs.existsSync(path.join(store.runtimeRoot, rec.Id))) {
    const st = liveState(store, rec);
    if (st.Running) noteForcedDie(store, rec, st.Pid);
    requestStop(store, rec.Id);
    markReleasedByCaller(store, rec.Id); // disconnectNetwork below, not the monitor's on_exit
    await deleteContainer(store.runtimeRoot, rec.Id, true, { keepParents: true });
  }
  fs.rmSync(attachSocketPath(store, rec.Id), { force: true });
  await disconnectNetwork(store, rec);
  releaseUserns(store, rec);
  new ImageStore(store.root).removeSnapshot(rec.SnapshotKey);
  if (volumes) {
    const vols = new VolumeStore(store.root);
    for (const m of rec.Mounts) if (m.Type === 'volume' && m.Anonymous && m.Name) vols.removeDir(m.Name);
  }
  fs.rmSync(store.recordFile(rec.Id), { force: true });
  fs.rmSync(store.dir(rec.Id), { recursive: true, force: true });
  store.releaseName(rec.Name.replace(/^\//, ''), rec.Id);
  containerEvent(store, rec, 'destroy');
}

/**
 * `rm -f` of a container whose record cannot be read: everything found by its id alone. What
 * runs goes with its runtime state (or, without one, with the cgroup named by its id), then its
 * networks and netns mount, user-namespace mounts, snapshot, names and directory. Anonymous
 * volumes stay (only the record knew them); `volume prune` finds them unused.
 */
async function removeDamaged(store: ContainerStore, d: DamagedRecord): Promise<void> {
  const id = d.id;
  if (fs.existsSync(path.join(store.runtimeRoot, id))) {
    requestStop(store, id);
    markReleasedByCaller(store, id);
    await deleteContainer(store.runtimeRoot, id, true, { keepParents: true });
  } else {
    containerCgroup({ cgroupPath: cgroupRelPath(id) })?.destroy({ pruneParents: false });
    unregisterCgroup(cgroupRelPath(id), path.join(store.runtimeRoot, id));
  }
  fs.rmSync(attachSocketPath(store, id), { force: true });
  await disconnectNetworkOf(store, id, fs.existsSync(path.join(store.root, 'networks')));
  releaseUserns(store, { Id: id });
  new ImageStore(store.root).removeSnapshot(id);
  fs.rmSync(store.dir(id), { recursive: true, force: true });
  for (const n of store.namesOf(id)) store.releaseName(n, id);
}

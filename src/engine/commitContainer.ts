/** `commit`: the container's config and writable layer -> a new image (paused meanwhile, as Docker); a --userns container's layer carries its own ids. */
import { containerEvent } from './containerEvents.js';
import { ImageStore } from '../image/ImageStore.js';
import type { ContainerConfig } from '../image/manifest.js';
import type { ContainerStore } from './ContainerStore.js';
import { upperOwners } from './copyFiles.js';
import { whileStill } from './pause.js';

export interface CommitRequest { tag?: string; author?: string; comment?: string; changes?: string[]; pause?: boolean }

export async function commitContainer(store: ContainerStore, ref: string, req: CommitRequest): Promise<string> {
  const rec = store.find(ref);
  // --pause=false (Docker's) reads a running container's layer as it changes: the caller's choice.
  const still = req.pause === false ? <T>(fn: () => Promise<T>) => fn() : <T>(fn: () => Promise<T>) => whileStill(store, rec.Id, fn);
  return still(async () => {
    const c = rec.Config;
    const config: ContainerConfig = {
      Env: c.Env, Cmd: c.Cmd ?? undefined, Entrypoint: c.Entrypoint, WorkingDir: c.WorkingDir, User: c.User,
      Labels: c.Labels, Volumes: c.Volumes ?? undefined, ...(c.StopSignal !== 'SIGTERM' ? { StopSignal: c.StopSignal } : {}),
      ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}), ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    };
    const id = await new ImageStore(store.root).commitSnapshot(rec.SnapshotKey, {
      tag: req.tag, config, changes: req.changes, author: req.author, comment: req.comment, createdBy: [rec.Path, ...rec.Args].join(' '),
      owners: upperOwners(store, rec),
    });
    containerEvent(store, rec, 'commit', { comment: req.comment ?? '', imageID: id, imageRef: req.tag ?? '' });
    return id;
  });
}

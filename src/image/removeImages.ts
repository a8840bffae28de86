import { conflict, isBerthError } from '../errors.js';
import { shortId } from './digest.js';
import { recordEvent } from '../engine/eventLog.js';
import { collectGarbage } from './gc.js';
import type { ImageStore } from './ImageStore.js';
import { isRunning, listContainers } from './containers.js';

export interface RemoveResult {
  /** Docker's lines: `Untagged: busybox:latest`, `Deleted: sha256:...`. */
  lines: string[];
  /** One message per reference that could not be removed. */
  errors: string[];
}

/**
 * `rmi`: untag by name (deleting the image with its last tag), or delete by ID.
 * An image a container uses is refused unless `force`; with `force` it is untagged and
 * kept as `<none>` while the container exists (never for a running container's image).
 */
export async function removeImages(store: ImageStore, refs: string[], o: { force?: boolean; noPrune?: boolean } = {}): Promise<RemoveResult> {
  const res: RemoveResult = { lines: [], errors: [] };
  for (const ref of refs) {
    try {
      removeOne(store, ref, !!o.force, res.lines);
    } catch (e) {
      if (!isBerthError(e)) throw e;
      res.errors.push(e.message);
    }
  }
  if (!o.noPrune && res.lines.some((l) => l.startsWith('Deleted'))) {
    // Space comes back now unless a long writer holds a lease; then the next prune frees it.
    await collectGarbage(store).catch((e: unknown) => {
      if (!isBerthError(e, 'Unavailable')) throw e;
    });
  }
  return res;
}

function removeOne(store: ImageStore, ref: string, force: boolean, lines: string[]): void {
  const img = store.resolve(ref);
  const tag = store.tagFor(ref);
  const users = listContainers(store.root).filter((c) => c.Image === img.id);
  const running = users.find(isRunning);
  if (tag && img.tags.length > 1) {
    store.untag(tag);
    lines.push(`Untagged: ${tag}`);
    recordEvent(store.root, 'image', 'untag', img.id, { name: img.id });
    return;
  }
  if (users.length && !force) {
    if (tag) store.assertUnused(img, ref);
    throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is being used by stopped container ${users[0].Id.slice(0, 12)}`, { exitCode: 1 });
  }
  if (running) throw conflict(`conflict: unable to delete ${shortId(img.id)} (cannot be forced) - image is being used by running container ${running.Id.slice(0, 12)}`, { exitCode: 1 });
  if (!tag && img.tags.length > 1 && !force) {
    throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`, { exitCode: 1 });
  }
  for (const t of img.tags) {
    store.untag(t);
    lines.push(`Untagged: ${t}`);
    recordEvent(store.root, 'image', 'untag', img.id, { name: img.id });
  }
  if (users.length) return; // forced: kept as <none> for its containers
  store.forget(img.id);
  lines.push(`Deleted: ${img.id}`);
  recordEvent(store.root, 'image', 'delete', img.id, { name: img.id });
}

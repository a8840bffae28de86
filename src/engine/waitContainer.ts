import type { ContainerStore } from './ContainerStore.js';
import { removeContainer } from './removeContainer.js';
import { waitExit } from './stopContainer.js';

/** `wait`: block until it stops; its exit code. */
export async function waitContainer(store: ContainerStore, ref: string): Promise<number> {
  const rec = store.find(ref);
  const st = await waitExit(store, rec.Id);
  if (rec.HostConfig.AutoRemove) {
    await removeContainer(store, rec.Id, { volumes: true }).catch(() => undefined);
  }
  return st?.ExitCode ?? 0;
}

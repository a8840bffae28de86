/** `start -a`: start, stream the log written from now on, return the exit code. */
import { BerthError } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { followLogs, logSize } from './logs.js';
import type { RunIo } from './runContainer.js';
import { startRecord } from './startContainer.js';

export async function attachStart(store: ContainerStore, ref: string, io: RunIo): Promise<number> {
  const found = store.find(ref);
  const logPath = store.logPath(found.Id);
  const offset = logSize(logPath);
  const started = await store.withLock(found.Id, async () => {
    const rec = store.read(found.Id);
    if (!rec) throw new BerthError('NotFound', `No such container: ${ref}`);
    if (liveState(store, rec).Running) return undefined;
    return startRecord(store, rec);
  });
  let exited = false;
  const done = started ? started.created.helper.exited.then(() => { exited = true; }) : undefined;
  await followLogs(logPath, offset, {}, (e) => (e.stream === 'stderr' ? io.stderr : io.stdout).write(e.log), () => {
    if (started) return exited;
    const rec = store.read(found.Id);
    return !rec || !liveState(store, rec).Running;
  }, done);
  await done;
  started?.created.helper.detach();
  const rec = store.read(found.Id);
  return rec ? liveState(store, rec).ExitCode : 0;
}

/** `start -a`: start, stream the log written from now on, return the exit code.
 * `start -i` (with or without -a): hold the init, attach over the monitor's socket (stdin too), then let it go. */
import { BerthError } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { followLogs, logSize } from './logs.js';
import type { RunIo } from './runContainer.js';
import { attachSocketPath, startRecord } from './startContainer.js';

export async function attachStart(store: ContainerStore, ref: string, io: RunIo, opts: { interactive?: boolean; detachKeys?: string } = {}): Promise<number> {
  const found = store.find(ref);
  if (opts.interactive) return interactiveStart(store, found.Id, ref, io, opts.detachKeys);
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

async function interactiveStart(store: ContainerStore, id: string, ref: string, io: RunIo, detachKeys?: string): Promise<number> {
  const started = await store.withLock(id, async () => {
    const rec = store.read(id);
    if (!rec) throw new BerthError('NotFound', `No such container: ${ref}`);
    if (liveState(store, rec).Running) throw new BerthError('Conflict', `container ${ref} is already running`, { hint: 'use `berth attach`' });
    return startRecord(store, rec, { hold: true });
  });
  const { attachSession, connectAttach, parseDetachKeys } = await import('./attachClient.js');
  const { startContainer: releaseInit } = await import('../runtime/lifecycle.js');
  const sock = await connectAttach(attachSocketPath(store, id));
  await releaseInit(store.runtimeRoot, id);
  const tty = started.record.Config.Tty;
  const stdin = io.stdin ?? null;
  const raw = tty && !!stdin?.isTTY;
  if (raw) stdin!.setRawMode(true);
  try {
    const how = await attachSession(sock, { stdin, stdout: io.stdout, stderr: io.stderr, tty, detachKeys: detachKeys ? parseDetachKeys(detachKeys) : undefined });
    if (how === 'detached') {
      started.created.helper.detach();
      return 0;
    }
  } finally {
    if (raw) stdin!.setRawMode(false);
  }
  await started.created.helper.exited;
  started.created.helper.detach();
  const rec = store.read(id);
  return rec ? liveState(store, rec).ExitCode : 0;
}

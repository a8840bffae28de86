/** `attach`: join a running container's stdio through the monitor's socket. */
import { conflict } from '../errors.js';
import { attachSession, connectAttach, parseDetachKeys } from './attachClient.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { containerEvent } from './containerEvents.js';
import type { RunIo } from './runContainer.js';
import { attachSocketPath } from './startContainer.js';
import { waitExit } from './stopContainer.js';

export async function attachContainer(store: ContainerStore, ref: string, io: RunIo, o: { noStdin?: boolean; detachKeys?: string } = {}): Promise<{ exitCode: number; detached: boolean }> {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  if (!st.Running) throw conflict('You cannot attach to a stopped container, start it first');
  if (st.Paused) throw conflict('You cannot attach to a paused container, unpause it first');
  const sock = await connectAttach(attachSocketPath(store, rec.Id));
  containerEvent(store, rec, 'attach');
  const tty = rec.Config.Tty;
  const stdin = o.noStdin || !rec.Config.OpenStdin ? null : io.stdin ?? null;
  const raw = tty && !!stdin?.isTTY;
  if (raw) stdin!.setRawMode(true);
  try {
    const how = await attachSession(sock, { stdin, stdout: io.stdout, stderr: io.stderr, tty, detachKeys: o.detachKeys ? parseDetachKeys(o.detachKeys) : undefined });
    if (how === 'detached') return { exitCode: 0, detached: true };
  } finally {
    if (raw) stdin!.setRawMode(false);
  }
  const end = await waitExit(store, rec.Id);
  return { exitCode: end?.ExitCode ?? 0, detached: false };
}

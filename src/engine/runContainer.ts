/**
 * `run`: create + start; detached it prints the ID, in the foreground it streams the
 * json-file log as the monitor writes it, forwards signals, and returns the container's
 * exit code (removing it first with --rm).
 */
import fs from 'node:fs';
import type { ContainerStore } from './ContainerStore.js';
import { createContainer, type CreateRequest } from './createContainer.js';
import { followLogs } from './logs.js';
import { removeContainerFiles } from './removeContainer.js';
import { startRecord } from './startContainer.js';
import type { ContainerRecord } from './types.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export interface RunIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface RunResult { id: string; exitCode?: number }

export async function runContainer(store: ContainerStore, req: CreateRequest, io: RunIo): Promise<RunResult> {
  const rec = await createContainer(store, req);
  let started;
  try {
    started = await store.withLock(rec.Id, () => startRecord(store, rec));
  } catch (e) {
    if (rec.HostConfig.AutoRemove) await removeAfterExit(store, rec);
    throw e;
  }
  const { created } = started;
  if (req.flags.detach) {
    created.helper.detach();
    return { id: rec.Id };
  }
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(created.state.pid, sig);
    } catch { /* gone */ }
  };
  for (const s of FORWARDED) process.on(s, forward);
  let exited = false;
  const code = created.helper.exited.then((c) => {
    exited = true;
    return c;
  });
  const wantOut = req.flags.attach.length === 0 || req.flags.attach.includes('stdout');
  const wantErr = req.flags.attach.length === 0 || req.flags.attach.includes('stderr');
  await followLogs(store.logPath(rec.Id), 0, {}, (e) => {
    if (e.stream === 'stderr' ? wantErr : wantOut) (e.stream === 'stderr' ? io.stderr : io.stdout).write(e.log);
  }, () => exited);
  for (const s of FORWARDED) process.off(s, forward);
  created.helper.detach();
  const exitCode = exitCodeOf(store, rec.Id, await code);
  if (rec.HostConfig.AutoRemove) await removeAfterExit(store, rec);
  else {
    store.update(rec.Id, (r) => {
      r.State = { ...r.State, Status: 'exited', Running: false, ExitCode: exitCode, FinishedAt: new Date().toISOString() };
    });
  }
  return { id: rec.Id, exitCode };
}

function exitCodeOf(store: ContainerStore, id: string, helperCode: number): number {
  try {
    return (JSON.parse(fs.readFileSync(`${store.runtimeRoot}/${id}/exit.json`, 'utf8')) as { exitCode: number }).exitCode;
  } catch { /* fall back to the helper's status */ }
  return helperCode;
}

async function removeAfterExit(store: ContainerStore, rec: ContainerRecord): Promise<void> {
  await store.withLock(rec.Id, () => removeContainerFiles(store, rec, true));
  fs.rmSync(store.lockFile(rec.Id), { force: true });
}

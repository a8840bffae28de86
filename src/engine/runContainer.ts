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
import { attachSocketPath, startRecord } from './startContainer.js';
import type { Created } from '../runtime/createContainer.js';
import type { ContainerRecord } from './types.js';
import type { ExitRecord } from '../runtime/state.js';
import { noteExit } from './containerEvents.js';
import { signalPid } from '../sys/signal.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export interface RunIo {
  stdin?: NodeJS.ReadStream | null;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Told the record as soon as it exists (the builder removes its build container on an interrupt). */
  onCreated?: (rec: ContainerRecord) => void;
}

export interface RunResult { id: string; exitCode?: number; detached?: boolean }

/** BERTH_TIMING=1: phase times on stderr (for bench/run and profiling). */
let t0 = process.hrtime.bigint();
const lap = (what: string) => {
  if (!process.env.BERTH_TIMING) return;
  if (what === 'run begins') t0 = process.hrtime.bigint();
  process.stderr.write(`berth: ${what} at ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms (process up ${(process.uptime() * 1000).toFixed(0)} ms)\n`);
};

export async function runContainer(store: ContainerStore, req: CreateRequest, io: RunIo): Promise<RunResult> {
  lap('run begins');
  if (process.env.BERTH_TIMING) process.once('exit', () => lap('process exit'));
  const rec = await createContainer(store, req);
  io.onCreated?.(rec);
  lap('created');
  // --log-driver none keeps no log to follow: the foreground reads the monitor's attach socket instead.
  const interactive = (!!req.flags.interactive || rec.HostConfig.LogConfig.Type === 'none') && !req.flags.detach;
  let started;
  try {
    started = await store.withLock(rec.Id, () => startRecord(store, rec, { hold: interactive, removeOnExit: rec.HostConfig.AutoRemove && !!req.flags.detach }));
  } catch (e) {
    if (rec.HostConfig.AutoRemove) await removeAfterExit(store, rec);
    throw e;
  }
  const { created } = started;
  lap('started');
  if (req.flags.detach) {
    created.helper.detach();
    return { id: rec.Id };
  }
  if (interactive) return runAttached(store, rec, created, io, req.flags.detachKeys);
  const forward = (sig: NodeJS.Signals) => {
    try {
      signalPid(created.state.pid, sig);
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
  }, () => exited, code);
  for (const s of FORWARDED) process.off(s, forward);
  lap('exited');
  created.helper.detach();
  const exitCode = exitCodeOf(store, rec, await code);
  if (rec.HostConfig.AutoRemove) {
    await removeAfterExit(store, rec);
    lap('removed');
  } else {
    store.update(rec.Id, (r) => {
      r.State = { ...r.State, Status: 'exited', Running: false, ExitCode: exitCode, FinishedAt: new Date().toISOString() };
    });
  }
  return { id: rec.Id, exitCode };
}

function exitCodeOf(store: ContainerStore, rec: ContainerRecord, helperCode: number): number {
  try {
    const exit = JSON.parse(fs.readFileSync(`${store.runtimeRoot}/${rec.Id}/exit.json`, 'utf8')) as ExitRecord;
    noteExit(store, rec, exit);
    return exit.exitCode;
  } catch { /* fall back to the helper's status */ }
  return helperCode;
}

async function removeAfterExit(store: ContainerStore, rec: ContainerRecord): Promise<void> {
  await store.withLock(rec.Id, () => removeContainerFiles(store, rec, true));
  fs.rmSync(store.lockFile(rec.Id), { force: true });
}

/** `run -i[t]`: attach to the held init, release it, pump stdio until it ends or the user detaches. */
async function runAttached(store: ContainerStore, rec: ContainerRecord, created: Created, io: RunIo, detachKeys?: string): Promise<RunResult> {
  const { attachSession, connectAttach, parseDetachKeys } = await import('./attachClient.js');
  const { startContainer: releaseInit } = await import('../runtime/lifecycle.js');
  const sock = await connectAttach(attachSocketPath(store, rec.Id));
  await releaseInit(store.runtimeRoot, rec.Id);
  const tty = rec.Config.Tty;
  const stdin = io.stdin ?? null;
  const raw = tty && !!stdin?.isTTY;
  if (raw) stdin!.setRawMode(true);
  let how: 'closed' | 'detached';
  try {
    how = await attachSession(sock, { stdin, stdout: io.stdout, stderr: io.stderr, tty, detachKeys: detachKeys ? parseDetachKeys(detachKeys) : undefined });
  } finally {
    if (raw) stdin!.setRawMode(false);
  }
  if (how === 'detached') {
    created.helper.detach();
    return { id: rec.Id, exitCode: 0, detached: true };
  }
  const code = exitCodeOf(store, rec, await created.helper.exited);
  created.helper.detach();
  if (rec.HostConfig.AutoRemove) await removeAfterExit(store, rec);
  else store.update(rec.Id, (r) => {
    r.State = { ...r.State, Status: 'exited', Running: false, ExitCode: code, FinishedAt: new Date().toISOString() };
  });
  return { id: rec.Id, exitCode: code };
}

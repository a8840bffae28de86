/**
 * start and wait as the Engine API needs them, on the engine's own start: attaches that
 * arrived before the start get the monitor's socket while the init is held, so the first
 * byte of output reaches them; the exit of a container this server started comes from its
 * monitor (our child), so `wait` has the code even when --rm removes the record at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connectAttach } from '../engine/attachClient.js';
import { liveState } from '../engine/containerState.js';
import { attachSocketPath, startRecord, type StartResult } from '../engine/startContainer.js';
import { isBerthError, notFound } from '../errors.js';
import type { ApiContext } from './context.js';
import { sessionsOf, type Exit } from './containerSessions.js';

/** Start unless running (false then: 304). */
export async function startForApi(ctx: ApiContext, ref: string): Promise<boolean> {
  const store = ctx.store;
  const found = store.find(ref);
  const sessions = sessionsOf(ctx);
  const pending = sessions.takePending(found.Id);
  let started: StartResult | undefined;
  try {
    started = await store.withLock(found.Id, async () => {
      const rec = store.read(found.Id);
      if (!rec) throw notFound(`No such container: ${ref}`);
      if (liveState(store, rec).Running) return undefined;
      return startRecord(store, rec, { hold: pending.length > 0, removeOnExit: rec.HostConfig.AutoRemove });
    });
  } catch (e) {
    for (const p of pending) p.late();
    const code = isBerthError(e) && e.exitCode ? e.exitCode : 125;
    sessions.exited(found.Id, code);
    if (found.HostConfig.AutoRemove) await removeQuietly(ctx, found.Id);
    throw e;
  }
  if (!started) {
    for (const p of pending) p.late();
    return false;
  }
  const { created, record } = started;
  if (pending.length) {
    try {
      for (const p of pending) p.connect(await connectAttach(attachSocketPath(store, record.Id)));
    } finally {
      const { startContainer: releaseInit } = await import('../runtime/lifecycle.js');
      await releaseInit(store.runtimeRoot, record.Id);
    }
  }
  void created.helper.exited.then(async (helperCode) => {
    sessions.exited(record.Id, exitCodeOf(store.runtimeRoot, record.Id, helperCode));
    if (record.HostConfig.AutoRemove) await removeQuietly(ctx, record.Id);
  });
  created.helper.detach();
  return true;
}

async function removeQuietly(ctx: ApiContext, id: string): Promise<void> {
  const { removeContainer } = await import('../engine/removeContainer.js');
  await removeContainer(ctx.store, id, { force: true, volumes: true }).catch(() => undefined);
  sessionsOf(ctx).removed(id);
}

function exitCodeOf(runtimeRoot: string, id: string, helperCode: number): number {
  try {
    return (JSON.parse(fs.readFileSync(path.join(runtimeRoot, id, 'exit.json'), 'utf8')) as { exitCode: number }).exitCode;
  } catch {
    return helperCode;
  }
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/**
 * The exit code once the condition holds; undefined when `signal` aborts first. Exits of
 * containers started here arrive as events; others (started by the CLI) are polled.
 */
export function waitFor(ctx: ApiContext, id: string, condition: WaitCondition, signal: AbortSignal): Promise<number | undefined> {
  const store = ctx.store;
  const events = sessionsOf(ctx).events;
  const rec0 = store.read(id);
  if (!rec0) return Promise.resolve(undefined);
  const st0 = liveState(store, rec0);
  if (condition === 'not-running' && !st0.Running) return Promise.resolve(st0.ExitCode);
  return new Promise((resolve) => {
    let seenRunning = st0.Running;
    let code: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const done = (v: number | undefined) => {
      clearTimeout(timer);
      events.off(`exit:${id}`, onExit);
      events.off(`removed:${id}`, onRemoved);
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onExit = (e: Exit) => {
      code = e.code;
      if (condition !== 'removed') done(code);
    };
    const onRemoved = () => done(code ?? st0.ExitCode);
    const onAbort = () => done(undefined);
    events.on(`exit:${id}`, onExit);
    events.on(`removed:${id}`, onRemoved);
    signal.addEventListener('abort', onAbort, { once: true });
    const poll = () => {
      const rec = store.read(id);
      if (!rec) return done(code ?? st0.ExitCode);
      const st = liveState(store, rec);
      if (st.Running) seenRunning = true;
      else if (seenRunning || st.FinishedAt !== st0.FinishedAt) {
        code ??= st.ExitCode;
        if (condition !== 'removed') return done(code);
      }
      timer = setTimeout(poll, 100);
    };
    timer = setTimeout(poll, 100);
  });
}

/**
 * What `compose up` does around the runner's up(): detached it returns once started (or,
 * with --wait, once running and healthy); attached it prints every container's output with
 * `service-N  | ` prefixes until they have all ended, stops the project on Ctrl-C (a second
 * Ctrl-C kills), and with --abort-on-container-exit / --exit-code-from stops everything when
 * one container ends. Returns the exit code.
 */
import { describe } from '../../errors.js';
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { liveState } from '../../engine/containerState.js';
import { killContainer } from '../../engine/stopContainer.js';
import type { ContainerRecord } from '../../engine/types.js';
import type { Project } from '../types.js';
import { stopAll, stopOrder } from './down.js';
import { logName, multiLogs } from './logs.js';
import { projectContainers } from './projectContainers.js';
import { up, type UpOptions } from './up.js';
import { waitReady } from './waitFor.js';

export interface UpCommandOptions extends UpOptions {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  abortOnExit?: boolean;
  exitCodeFrom?: string;
  color?: boolean;
  prefix?: boolean;
}

export async function upCommand(store: ContainerStore, p: Project, o: UpCommandOptions): Promise<number> {
  if (o.exitCodeFrom && !p.services[o.exitCodeFrom]) throw new Error(`no such service: ${o.exitCodeFrom}`);
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted === 1) process.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
  };
  const attached = !o.detach;
  if (attached) process.on('SIGINT', onSigint).on('SIGTERM', onSigint);
  try {
    const r = await up(store, p, { ...o, abort: () => interrupted > 0 });
    if (o.noStart) return 0;
    if (o.wait) {
      await waitReady(store, r.containers, (o.waitTimeout ?? 3600) * 1000);
      return 0;
    }
    if (!attached) return 0;
    return await attach(store, p, r.containers, o, () => interrupted);
  } catch (e) {
    if (attached && interrupted) {
      await stopProject(store, p, o, interrupted > 1);
      return 130;
    }
    throw e;
  } finally {
    if (attached) process.off('SIGINT', onSigint).off('SIGTERM', onSigint);
  }
}

async function attach(store: ContainerStore, p: Project, recs: ContainerRecord[], o: UpCommandOptions, interrupted: () => number): Promise<number> {
  let firstExit: ContainerRecord | undefined;
  const ended = (rec: ContainerRecord) => {
    const now = store.read(rec.Id);
    return !now || !liveState(store, now).Running;
  };
  const stop = () => {
    if (interrupted()) return true;
    if (!o.abortOnExit) return false;
    firstExit ??= recs.find(ended);
    return !!firstExit;
  };
  const names = recs.map(logName);
  // `name exited with code N` once a container's output has been read to its end.
  const onEnd = (r: ContainerRecord) => {
    const st = store.read(r.Id);
    process.stdout.write(`${names[recs.indexOf(r)]} exited with code ${st ? liveState(store, st).ExitCode : 0}\n`);
  };
  await multiLogs(store, recs, { follow: true, noColor: o.color === false, noPrefix: o.prefix === false, stop, onEnd });
  if (interrupted()) {
    await stopProject(store, p, o, interrupted() > 1);
    return 130;
  }
  if (o.abortOnExit) {
    process.stderr.write('Aborting on container exit...\n');
    await stopProject(store, p, o, false);
  }
  const from = o.exitCodeFrom ? recs.find((r) => r.Config.Labels['com.docker.compose.service'] === o.exitCodeFrom) : firstExit;
  if (!from) return 0;
  const st = store.read(from.Id);
  return st ? liveState(store, st).ExitCode : 0;
}

async function stopProject(store: ContainerStore, p: Project, o: UpCommandOptions, force: boolean): Promise<void> {
  const cs = stopOrder(p, projectContainers(store, p.name, { oneoff: false }));
  if (force) {
    for (const c of cs) if (c.state.Running) await killContainer(store, c.rec.Id).catch((e) => process.stderr.write(`berth compose: ${describe(e)}\n`));
    return;
  }
  await stopAll(store, cs, o.timeout);
}

/**
 * depends_on conditions, as docker compose waits for them: `service_started` (started
 * earlier in the order), `service_healthy` (the monitor's health status), and
 * `service_completed_successfully` (exited 0). Polls the engine's state files.
 */
import { failedPrecondition } from '../../errors.js';
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { healthOf, liveState } from '../../engine/containerState.js';
import type { ContainerRecord } from '../../engine/types.js';
import { progress } from './progress.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Condition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/** Resolves once `rec` meets the condition; throws compose's message when it never can. */
export async function waitCondition(store: ContainerStore, rec: ContainerRecord, service: string, condition: string, abort?: () => boolean): Promise<void> {
  const name = rec.Name.replace(/^\//, '');
  if (condition === 'service_started') return;
  if (condition === 'service_healthy' && !rec.Config.Healthcheck?.Test?.length) {
    throw failedPrecondition(`dependency failed to start: container ${name} has no healthcheck configured`, { exitCode: 1 });
  }
  progress('Container', name, 'Waiting');
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (abort?.()) throw failedPrecondition('interrupted', { exitCode: 130 });
    const now = store.read(rec.Id);
    if (!now) throw failedPrecondition(`dependency failed to start: container ${name} was removed`, { exitCode: 1 });
    const st = liveState(store, now);
    if (condition === 'service_healthy') {
      const h = healthOf(store, rec.Id)?.Status;
      if (h === 'healthy') return progress('Container', name, 'Healthy');
      if (h === 'unhealthy') throw failedPrecondition(`dependency failed to start: container ${name} is unhealthy`, { exitCode: 1 });
      if (!st.Running && !st.Restarting) throw failedPrecondition(`dependency failed to start: container ${name} exited (${st.ExitCode})`, { exitCode: 1 });
    } else if (condition === 'service_completed_successfully') {
      if (!st.Running && !st.Restarting && st.Status !== 'created') {
        if (st.ExitCode === 0) return progress('Container', name, 'Exited');
        throw failedPrecondition(`service "${service}" didn't complete successfully: exit ${st.ExitCode}`, { exitCode: 1 });
      }
    } else throw failedPrecondition(`unknown depends_on condition ${condition}`, { exitCode: 1 });
    await sleep(delay);
  }
}

/** `up --wait`: every container running, and healthy when it has a check. */
export async function waitReady(store: ContainerStore, recs: ContainerRecord[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const rec of recs) {
    const name = rec.Name.replace(/^\//, '');
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const now = store.read(rec.Id);
      const st = now ? liveState(store, now) : undefined;
      if (!st?.Running) throw failedPrecondition(`container ${name} exited (${st?.ExitCode ?? -1})`, { exitCode: 1 });
      if (!rec.Config.Healthcheck?.Test?.length || rec.Config.Healthcheck.Test[0] === 'NONE') break;
      const h = healthOf(store, rec.Id)?.Status;
      if (h === 'healthy') break;
      if (h === 'unhealthy') throw failedPrecondition(`container ${name} is unhealthy`, { exitCode: 1 });
      if (Date.now() > deadline) throw failedPrecondition(`timeout waiting for container ${name} to be healthy`, { exitCode: 1 });
      await sleep(delay);
    }
    progress('Container', name, 'Healthy');
  }
}

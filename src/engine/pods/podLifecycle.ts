/**
 * A pod's lifecycle, over its containers: start (infra first: the others join its
 * namespaces), stop/kill (the others first: the infra is pid 1 of a shared pid namespace and
 * holds the network), restart, pause/unpause, rm (`-f` stops first) and prune. Each returns
 * the pod's ID; per-container failures are collected and reported as one error.
 */
import { conflict, failedPrecondition, isBerthError } from '../../errors.js';
import type { ContainerStore } from '../ContainerStore.js';
import { podMembers, podStatus, type PodMember } from './podContainers.js';
import { destroyPodCgroup } from './podCgroup.js';
import { PodStore, type PodRecord } from './PodStore.js';

async function eachMember(members: PodMember[], what: string, fn: (m: PodMember) => Promise<unknown>): Promise<void> {
  const errors: string[] = [];
  for (const m of members) {
    try {
      await fn(m);
    } catch (e) {
      errors.push(`${m.rec.Name.slice(1)}: ${(e as Error).message}`);
    }
  }
  if (errors.length) throw failedPrecondition(`${what}: ${errors.join('; ')}`);
}

const others = (ms: PodMember[]) => ms.filter((m) => !m.infra);
const infraOf = (ms: PodMember[]) => ms.filter((m) => m.infra);

export async function startPod(store: ContainerStore, ref: string): Promise<string> {
  const pod = new PodStore(store.root).find(ref);
  const { startContainer } = await import('../startContainer.js');
  const ms = podMembers(store, pod);
  await eachMember(infraOf(ms), `pod ${pod.Name}: starting the infra container`, (m) => startContainer(store, m.rec.Id));
  await eachMember(others(ms), `pod ${pod.Name}: starting`, (m) => startContainer(store, m.rec.Id));
  return pod.Id;
}

export async function stopPod(store: ContainerStore, ref: string, timeoutSec?: number): Promise<string> {
  const pod = new PodStore(store.root).find(ref);
  const { stopContainer } = await import('../stopContainer.js');
  const ms = podMembers(store, pod);
  await Promise.all(others(ms).map((m) => stopContainer(store, m.rec.Id, timeoutSec).catch((e) => ({ m, e }))))
    .then((rs) => {
      const bad = rs.filter((r): r is { m: PodMember; e: Error } => !!r);
      if (bad.length) throw failedPrecondition(`pod ${pod.Name}: stopping: ${bad.map((b) => `${b.m.rec.Name.slice(1)}: ${b.e.message}`).join('; ')}`);
    });
  await eachMember(infraOf(ms), `pod ${pod.Name}: stopping the infra container`, (m) => stopContainer(store, m.rec.Id, timeoutSec));
  return pod.Id;
}

export async function restartPod(store: ContainerStore, ref: string, timeoutSec?: number): Promise<string> {
  await stopPod(store, ref, timeoutSec);
  return startPod(store, ref);
}

export async function killPod(store: ContainerStore, ref: string, signal?: string): Promise<string> {
  const pod = new PodStore(store.root).find(ref);
  const { killContainer } = await import('../stopContainer.js');
  const ms = podMembers(store, pod).filter((m) => m.state.Running);
  if (!ms.length) throw conflict(`pod ${pod.Name} has no running containers`);
  await eachMember([...others(ms), ...infraOf(ms)], `pod ${pod.Name}: killing`, (m) => killContainer(store, m.rec.Id, signal));
  return pod.Id;
}

export async function pausePod(store: ContainerStore, ref: string, pause: boolean): Promise<string> {
  const pod = new PodStore(store.root).find(ref);
  const { pauseContainer } = await import('../pause.js');
  const ms = podMembers(store, pod).filter((m) => m.state.Running && m.state.Paused !== pause);
  if (!ms.length) throw conflict(`pod ${pod.Name} has no ${pause ? 'running' : 'paused'} containers`);
  await eachMember(ms, `pod ${pod.Name}: ${pause ? 'pausing' : 'unpausing'}`, async (m) => pauseContainer(store, m.rec.Id, pause));
  return pod.Id;
}

/** `pod rm [-f]`: without -f a pod with running containers is refused. */
export async function removePod(store: ContainerStore, ref: string, force = false): Promise<string> {
  const pods = new PodStore(store.root);
  const pod = pods.find(ref);
  const ms = podMembers(store, pod);
  if (!force && ms.some((m) => m.state.Running)) throw conflict(`pod ${pod.Name} has running containers: stop them first or use -f`);
  await removeAll(store, pod, ms);
  return pod.Id;
}

async function removeAll(store: ContainerStore, pod: PodRecord, ms: PodMember[]): Promise<void> {
  const { removeContainer } = await import('../removeContainer.js');
  if (ms.some((m) => m.state.Running)) await stopPod(store, pod.Id, 10).catch(() => undefined); // rm -f kills what is left
  await eachMember([...others(ms), ...infraOf(ms)], `pod ${pod.Name}: removing`, async (m) => {
    try {
      await removeContainer(store, m.rec.Id, { force: true, volumes: true });
    } catch (e) {
      if (!isBerthError(e, 'NotFound')) throw e;
    }
  });
  destroyPodCgroup(pod);
  new PodStore(store.root).remove(pod);
}

/** `pod prune`: every pod none of whose containers runs. */
export async function prunePods(store: ContainerStore): Promise<string[]> {
  const out: string[] = [];
  for (const pod of new PodStore(store.root).list()) {
    const ms = podMembers(store, pod);
    if (ms.some((m) => m.state.Running)) continue;
    await removeAll(store, pod, ms);
    out.push(pod.Id);
  }
  return out;
}

export { podStatus };

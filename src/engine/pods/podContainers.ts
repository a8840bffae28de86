/** A pod's containers (those carrying its label), the infra first, with their live state; and the pod's status. */
import type { ContainerStore } from '../ContainerStore.js';
import { liveState, type LiveState } from '../containerState.js';
import { POD_LABEL } from '../podLabel.js';
import type { ContainerRecord } from '../types.js';
import type { PodRecord } from './PodStore.js';

export interface PodMember { rec: ContainerRecord; state: LiveState; infra: boolean }

export function podMembers(store: ContainerStore, pod: PodRecord): PodMember[] {
  const out = store.list().filter((r) => r.Config.Labels?.[POD_LABEL] === pod.Id)
    .map((rec) => ({ rec, state: liveState(store, rec), infra: rec.Id === pod.InfraContainerId }));
  return out.sort((a, b) => Number(b.infra) - Number(a.infra) || (a.rec.Created < b.rec.Created ? -1 : 1));
}

/** podman's pod states: Created (nothing ran), Running (all), Degraded (some), Paused, Exited. */
export function podStatus(members: PodMember[]): string {
  const own = members.filter((m) => !m.infra);
  const all = own.length ? own : members;
  if (!all.length) return 'Created';
  if (all.every((m) => m.state.Paused)) return 'Paused';
  const running = all.filter((m) => m.state.Running).length;
  if (running === all.length) return 'Running';
  if (running > 0) return 'Degraded';
  return all.every((m) => m.state.Status === 'created') ? 'Created' : 'Exited';
}

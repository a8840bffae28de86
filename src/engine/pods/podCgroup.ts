/**
 * The pod cgroup, `berth/pod-<id>` on every hierarchy (inside berth's own subtree): its
 * containers' cgroups are made below it (their CgroupParent), so its memory and CPU limits
 * hold for all of them together. Made at pod create and again before each of its containers
 * starts (removing the last container's cgroup may prune it).
 */
import { failedPrecondition, isBerthError } from '../../errors.js';
import { liveState } from '../containerState.js';
import { Cgroup, detectCgroupLayout, type LinuxResources } from '../../runtime/cgroups/index.js';
import type { ContainerStore } from '../ContainerStore.js';
import type { ContainerRecord } from '../types.js';
import { PodStore, type PodRecord } from './PodStore.js';

export function podCgroupPath(podId: string): string {
  return `berth/pod-${podId}`;
}

/** The OCI resources of a pod's limits (memory+swap held to the memory limit: no swap beyond it). */
export function podResources(p: Pick<PodRecord, 'Memory' | 'NanoCpus'>): LinuxResources {
  const r: LinuxResources = {};
  if (p.Memory > 0) r.memory = { limit: p.Memory, swap: p.Memory };
  if (p.NanoCpus > 0) r.cpu = { period: 100000, quota: Math.round((p.NanoCpus * 100000) / 1e9) };
  return r;
}

export function applyPodCgroup(p: PodRecord): void {
  const cg = Cgroup.create(detectCgroupLayout(), p.CgroupParent);
  const skipped = cg.update(podResources(p));
  for (const w of skipped) if (w.file !== 'memory.memsw.limit_in_bytes' && w.file !== 'memory.swap.max') process.stderr.write(`WARNING: pod ${p.Name}: ${w.file} is not supported by this kernel; the limit is not applied\n`);
}

/**
 * Before a pod's container starts (startContainer's hook): the pod cgroup with its limits; a
 * container that joins the infra's namespaces needs the infra running (`pod start` starts it first).
 */
export function preparePodStart(store: ContainerStore, rec: ContainerRecord, podId: string): void {
  const p = new PodStore(store.root).read(podId);
  if (!p) return;
  applyPodCgroup(p);
  if (!p.InfraContainerId || p.InfraContainerId === rec.Id || !p.SharedNamespaces.length) return;
  const infra = store.read(p.InfraContainerId);
  if (!infra || !liveState(store, infra).Running) throw failedPrecondition(`the infra container of pod ${p.Name} is not running: start the pod (berth pod start ${p.Name})`);
}

/** Kill what is left in it and remove it (children first); gone already is fine. */
export function destroyPodCgroup(p: PodRecord): void {
  try {
    Cgroup.open(detectCgroupLayout(), p.CgroupParent).destroy();
  } catch (e) {
    if (!isBerthError(e, 'NotFound')) throw e;
  }
}

/**
 * The pod cgroup, `berth/pod-<id>` on every hierarchy (inside berth's own subtree): its
 * containers' cgroups are made below it (their CgroupParent), so its memory and CPU limits
 * hold for all of them together. Made at pod create and again before each of its containers
 * starts (removing the last container's cgroup may prune it).
 */
import { isBerthError } from '../../errors.js';
import { Cgroup, detectCgroupLayout, type LinuxResources } from '../../runtime/cgroups/index.js';
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

export async function ensurePodCgroup(root: string, podId: string): Promise<void> {
  const p = new PodStore(root).read(podId);
  if (p) applyPodCgroup(p);
}

/** Kill what is left in it and remove it (children first); gone already is fine. */
export function destroyPodCgroup(p: PodRecord): void {
  try {
    Cgroup.open(detectCgroupLayout(), p.CgroupParent).destroy();
  } catch (e) {
    if (!isBerthError(e, 'NotFound')) throw e;
  }
}

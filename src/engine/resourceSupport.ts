/** Which block I/O and memory tunables this host's cgroups carry (dockerd's sysinfo), from the cgroup layout. */
import path from 'node:path';
import type { CgroupLayout } from '../runtime/cgroups/index.js';
import { cgroupLayout } from '../runtime/createContainer.js';
import { hostCgroupFs, type CgroupFs } from '../sys/cgroupfs.js';
import type { ResourceSupport } from './resourceFlags.js';

/**
 * v1: the memory and blkio hierarchies' root files. BFQ's weight files exist only below
 * the root, so its per-cgroup statistics on the root stand for them. v2: the io and
 * memory controllers; swappiness and the OOM-killer switch have no v2 file (dockerd discards them);
 * swap accounting shows as memory.swap.max in a cgroup below the root (the root has none).
 */
export function resourceSupport(layout: CgroupLayout = cgroupLayout(), cgfs: CgroupFs = hostCgroupFs): ResourceSupport {
  if (layout.mode === 'v2') {
    const io = layout.unifiedControllers.includes('io');
    const memory = layout.unifiedControllers.includes('memory');
    const swapLimit = memory && (belowRootFile(layout, cgfs, 'memory.current', 'memory.swap.max') ?? true);
    return { swapLimit, swappiness: false, oomKillDisable: false, blkioWeight: io, blkioWeightDevice: io, iopsRead: io, iopsWrite: io };
  }
  const has = (ctrl: string, file: string) => layout.v1[ctrl] !== undefined && cgfs.exists(path.join(layout.v1[ctrl], file));
  const weight = has('blkio', 'blkio.weight') || has('blkio', 'blkio.bfq.weight') || has('blkio', 'blkio.bfq.io_service_bytes');
  const weightDevice = has('blkio', 'blkio.weight_device') || has('blkio', 'blkio.bfq.weight_device') || has('blkio', 'blkio.bfq.io_service_bytes');
  return {
    swapLimit: has('memory', 'memory.memsw.limit_in_bytes'),
    swappiness: has('memory', 'memory.swappiness'),
    oomKillDisable: has('memory', 'memory.oom_control'),
    blkioWeight: weight,
    blkioWeightDevice: weightDevice,
    iopsRead: has('blkio', 'blkio.throttle.read_iops_device'),
    iopsWrite: has('blkio', 'blkio.throttle.write_iops_device'),
  };
}

/**
 * cgroup v2 files that are never on the root (memory.swap.max, cpu.max.burst...): whether
 * `file` exists in a cgroup below the root whose controller shows (`marker` exists there):
 * berth's own subtree first, then the root's other children. Undefined when there is none to look at.
 */
export function belowRootFile(layout: CgroupLayout, cgfs: CgroupFs, marker: string, file: string): boolean | undefined {
  const root = layout.unified;
  if (root === null) return undefined;
  const dirs = [path.join(root, 'berth'), ...cgfs.children(root).map((c) => path.join(root, c))];
  for (const d of dirs) if (cgfs.exists(path.join(d, marker))) return cgfs.exists(path.join(d, file));
  return undefined;
}

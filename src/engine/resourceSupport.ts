/** Which block I/O and memory tunables this host's cgroups carry (dockerd's sysinfo), from the cgroup layout. */
import path from 'node:path';
import type { CgroupLayout } from '../runtime/cgroups/index.js';
import { cgroupLayout } from '../runtime/createContainer.js';
import { hostCgroupFs, type CgroupFs } from '../sys/cgroupfs.js';
import type { ResourceSupport } from './resourceFlags.js';

/**
 * v1: the memory and blkio hierarchies' root files. BFQ's weight files exist only below
 * the root, so its per-cgroup statistics on the root stand for them. v2: the io and
 * memory controllers; swappiness and the OOM-killer switch have no v2 file (dockerd discards them).
 */
export function resourceSupport(layout: CgroupLayout = cgroupLayout(), cgfs: CgroupFs = hostCgroupFs): ResourceSupport {
  if (layout.mode === 'v2') {
    const io = layout.unifiedControllers.includes('io');
    return { swappiness: false, oomKillDisable: false, blkioWeight: io, blkioWeightDevice: io, iopsRead: io, iopsWrite: io };
  }
  const has = (ctrl: string, file: string) => layout.v1[ctrl] !== undefined && cgfs.exists(path.join(layout.v1[ctrl], file));
  const weight = has('blkio', 'blkio.weight') || has('blkio', 'blkio.bfq.weight') || has('blkio', 'blkio.bfq.io_service_bytes');
  const weightDevice = has('blkio', 'blkio.weight_device') || has('blkio', 'blkio.bfq.weight_device') || has('blkio', 'blkio.bfq.io_service_bytes');
  return {
    swappiness: has('memory', 'memory.swappiness'),
    oomKillDisable: has('memory', 'memory.oom_control'),
    blkioWeight: weight,
    blkioWeightDevice: weightDevice,
    iopsRead: has('blkio', 'blkio.throttle.read_iops_device'),
    iopsWrite: has('blkio', 'blkio.throttle.write_iops_device'),
  };
}

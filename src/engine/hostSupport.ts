/**
 * The one capability probe: what this host's kernel offers containers (dockerd's sysinfo
 * plus what berth's runtime needs). The engine's create warnings read `resources` (via
 * resourceSupport), the tests ask it what to expect on the host they run on, and CI prints
 * it first (scripts/host-support.mjs), so a failure on another machine can be read from its log.
 */
import path from 'node:path';
import { detectCgroupLayout, type CgroupLayout } from '../runtime/cgroups/index.js';
import { hostCgroupFs, type CgroupFs } from '../sys/cgroupfs.js';
import { probeIdmappedMount } from '../sys/idmapMount.js';
import type { ResourceSupport } from './resourceFlags.js';
import { belowRootFile, resourceSupport } from './resourceSupport.js';

export interface HostSupport {
  layout: CgroupLayout;
  /** Controllers berth can use, each with where it lives ('v1' or 'v2'). */
  controllers: Record<string, 'v1' | 'v2'>;
  /** What create can carry out or must discard with dockerd's warning. */
  resources: ResourceSupport;
  /** Block I/O weights come from BFQ (blkio.bfq.* / io.bfq.weight) rather than CFQ or io.weight. */
  bfq: boolean;
  /** Hugepage sizes berth can limit (`2MB`, `1GB`): [] when the hugetlb controller is not available to berth. */
  hugetlb: string[];
  /** Hugepage sizes the kernel has (/sys/kernel/mm/hugepages), whether or not berth can limit them. */
  hugepageSizes: string[];
  /** Kernel memory limits (v1 memory.kmem.limit_in_bytes; none on v2). */
  kernelMemory: boolean;
  kernelMemoryTCP: boolean;
  netCls: boolean;
  netPrio: boolean;
  cpuBurst: boolean;
  cpuIdle: boolean;
  cpuRealtime: boolean;
  /** Idmapped bind mounts work on the filesystem probed (undefined: not probed). */
  idmappedMounts?: boolean;
}

export interface HostSupportOptions {
  layout?: CgroupLayout;
  cgfs?: CgroupFs;
  /** Try an idmapped bind mount in a scratch directory on this filesystem (root only). */
  idmapProbeDir?: string;
  /** /sys/kernel/mm/hugepages, for fixtures. */
  hugepagesDir?: string;
}

const V1_LIKE = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc'];

/** `hugepages-2048kB` -> `2MB` (the OCI/cgroup spelling). */
export function hugepageSizeName(dirName: string): string | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dirName);
  if (!m) return undefined;
  const kb = Number(m[1]);
  return kb % (1024 * 1024) === 0 ? `${kb / (1024 * 1024)}GB` : kb % 1024 === 0 ? `${kb / 1024}MB` : `${kb}KB`;
}

export function hostSupport(o: HostSupportOptions = {}): HostSupport {
  const layout = o.layout ?? detectCgroupLayout();
  const cgfs = o.cgfs ?? hostCgroupFs;
  const v2root = layout.unified;
  const controllers: Record<string, 'v1' | 'v2'> = {};
  if (layout.mode !== 'v2') for (const c of Object.keys(layout.v1)) if (V1_LIKE.includes(c)) controllers[c] = 'v1';
  // cgroup2 controllers berth can use: all of them on v2 (berth enables them at the root);
  // on a hybrid host only those the host delegates below its cgroup2 root (berth leaves the root alone).
  const delegated = layout.mode === 'v2' || v2root === null ? layout.unifiedControllers
    : (cgfs.read(path.join(v2root, 'cgroup.subtree_control')) ?? '').split(/\s+/).filter(Boolean);
  for (const c of delegated) controllers[c] ??= 'v2';
  if (layout.mode === 'v2') controllers.freezer = controllers.devices = 'v2'; // cgroup.freeze and eBPF, in the core

  const v1file = (ctrl: string, file: string) => controllers[ctrl] === 'v1' && cgfs.exists(path.join(layout.v1[ctrl], file));
  const v2file = (ctrl: string, marker: string, file: string) => controllers[ctrl] === 'v2' && belowRootFile(layout, cgfs, marker, file) === true;

  const hugepages = o.hugepagesDir ?? '/sys/kernel/mm/hugepages';
  const sizes = cgfs.children(hugepages).map(hugepageSizeName).filter((s): s is string => s !== undefined);
  const hugetlb = controllers.hugetlb === 'v1' ? sizes.filter((s) => v1file('hugetlb', `hugetlb.${s}.limit_in_bytes`))
    : controllers.hugetlb === 'v2' ? sizes : [];

  return {
    layout,
    controllers,
    resources: resourceSupport(layout, cgfs),
    bfq: v1file('blkio', 'blkio.bfq.io_service_bytes') || v2file('io', 'io.stat', 'io.bfq.weight'),
    hugetlb,
    hugepageSizes: sizes,
    kernelMemory: v1file('memory', 'memory.kmem.limit_in_bytes'),
    kernelMemoryTCP: v1file('memory', 'memory.kmem.tcp.limit_in_bytes'),
    netCls: controllers.net_cls === 'v1',
    netPrio: controllers.net_prio === 'v1',
    cpuBurst: v1file('cpu', 'cpu.cfs_burst_us') || v2file('cpu', 'cpu.max', 'cpu.max.burst'),
    cpuIdle: v1file('cpu', 'cpu.idle') || v2file('cpu', 'cpu.max', 'cpu.idle'),
    cpuRealtime: v1file('cpu', 'cpu.rt_runtime_us'),
    idmappedMounts: o.idmapProbeDir === undefined ? undefined : probeIdmappedMount(o.idmapProbeDir),
  };
}

/** The probe as `key: value` lines, for CI's log. */
export function formatHostSupport(h: HostSupport): string {
  const on = (b: boolean | undefined) => (b === undefined ? 'not probed' : b ? 'yes' : 'no');
  const where = (kind: 'v1' | 'v2') => Object.entries(h.controllers).filter(([, k]) => k === kind).map(([c]) => c).sort().join(' ') || '-';
  const r = h.resources;
  return [
    `cgroup layout: ${h.layout.mode}${h.layout.unified ? ` (cgroup2 at ${h.layout.unified})` : ''}`,
    `controllers on v1: ${where('v1')}`,
    `controllers on v2: ${where('v2')}${h.layout.unified && h.layout.mode !== 'v2' ? ` (cgroup2 root offers: ${h.layout.unifiedControllers.join(' ') || '-'})` : ''}`,
    `block I/O weight: ${on(r.blkioWeight)} (BFQ: ${on(h.bfq)}); weight per device: ${on(r.blkioWeightDevice)}; IOPS limits: read ${on(r.iopsRead)}, write ${on(r.iopsWrite)}`,
    `swap accounting: ${on(r.swapLimit)}; swappiness: ${on(r.swappiness)}; OOM-killer switch: ${on(r.oomKillDisable)}`,
    `kernel memory: ${on(h.kernelMemory)} (TCP: ${on(h.kernelMemoryTCP)})`,
    `hugetlb: ${h.hugetlb.join(' ') || `no (kernel hugepage sizes: ${h.hugepageSizes.join(' ') || 'none'}; ${h.controllers.hugetlb ? 'no limit files for them' : 'the controller is not available to berth'})`}`,
    `net_cls: ${on(h.netCls)}; net_prio: ${on(h.netPrio)}`,
    `cpu: burst ${on(h.cpuBurst)}, idle ${on(h.cpuIdle)}, realtime ${on(h.cpuRealtime)}`,
    `idmapped mounts: ${on(h.idmappedMounts)}`,
  ].join('\n');
}

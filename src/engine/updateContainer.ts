/** `update`: change the recorded HostConfig and write the new limits into the running cgroup. */
import { invalidArgument } from '../errors.js';
import { containerCgroup } from '../runtime/hostCgroupLayout.js';
import type { ContainerStore } from './ContainerStore.js';
import { checkMemoryLimits } from './checkMemoryLimits.js';
import { liveState } from './containerState.js';
import { parseBytes, parseCpus, parseIntFlag, parseRestart, parseSwap } from './parseFlags.js';
import { parseBlkioWeight, parseCpuPeriod, parseCpuQuota, type ResourceSupport } from './resourceFlags.js';
import { resourceSupport } from './resourceSupport.js';
import type { HostConfig } from './types.js';

export interface UpdateFlags {
  memory?: string; memorySwap?: string; memoryReservation?: string; cpus?: string; cpuShares?: string;
  cpuQuota?: string; cpuPeriod?: string; cpusetCpus?: string; cpusetMems?: string; pidsLimit?: string; restart?: string; blkioWeight?: string;
}

/**
 * The OCI resources for the changed fields only. Pure. With `can` (what the host supports),
 * what it lacks is discarded as dockerd's update does, its warning appended to `warnings`.
 */
/**
 * The flags' own syntax, before any container is looked at: Docker's CLI parses them
 * (a bad value is a usage error, exit 125); range and container-dependent checks are the daemon's.
 */
export function checkUpdateFlags(f: UpdateFlags): void {
  const bytes: [string | undefined, string][] = [[f.memory, '--memory'], [f.memoryReservation, '--memory-reservation']];
  for (const [v, flag] of bytes) if (v !== undefined) parseBytes(v, flag);
  if (f.memorySwap !== undefined) parseSwap(f.memorySwap);
  if (f.cpus !== undefined) parseCpus(f.cpus);
  const ints: [string | undefined, string][] = [[f.cpuQuota, '--cpu-quota'], [f.cpuPeriod, '--cpu-period'], [f.cpuShares, '--cpu-shares'], [f.pidsLimit, '--pids-limit']];
  for (const [v, flag] of ints) if (v !== undefined) parseIntFlag(v, flag);
}

export function updateResources(hc: HostConfig, f: UpdateFlags, can?: ResourceSupport, warnings: string[] = []): Record<string, unknown> {
  const r: Record<string, Record<string, unknown>> = {};
  const mem = (r.memory ??= {});
  if (f.memory !== undefined) {
    hc.Memory = parseBytes(f.memory, '--memory');
    checkMemoryLimits(hc.Memory, 0, { update: true });
    mem.limit = hc.Memory;
    if (f.memorySwap === undefined && hc.MemorySwap > 0 && hc.MemorySwap < hc.Memory) {
      hc.MemorySwap = hc.Memory * 2;
    }
    if (hc.MemorySwap !== 0) mem.swap = hc.MemorySwap;
  }
  if (f.memorySwap !== undefined) {
    hc.MemorySwap = parseSwap(f.memorySwap);
    checkMemoryLimits(hc.Memory, hc.MemorySwap, { update: true });
    if (can && !can.swapLimit && hc.Memory > 0 && hc.MemorySwap > 0) {
      warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
      hc.MemorySwap = -1;
    }
    mem.swap = hc.MemorySwap;
  }
  if (f.memoryReservation !== undefined) mem.reservation = hc.MemoryReservation = parseBytes(f.memoryReservation, '--memory-reservation');
  if (!Object.keys(mem).length) delete r.memory;
  const cpu = (r.cpu ??= {});
  if (f.cpus !== undefined) {
    hc.NanoCpus = parseCpus(f.cpus);
    cpu.period = 100000;
    cpu.quota = hc.NanoCpus ? Math.round((hc.NanoCpus * 100000) / 1e9) : -1;
  }
  if (f.cpuQuota !== undefined) cpu.quota = hc.CpuQuota = parseCpuQuota(f.cpuQuota);
  if (f.cpuPeriod !== undefined) cpu.period = hc.CpuPeriod = parseCpuPeriod(f.cpuPeriod);
  if (f.cpuShares !== undefined) cpu.shares = hc.CpuShares = parseIntFlag(f.cpuShares, '--cpu-shares', 0);
  if (f.cpusetCpus !== undefined) cpu.cpus = hc.CpusetCpus = f.cpusetCpus;
  if (f.cpusetMems !== undefined) cpu.mems = hc.CpusetMems = f.cpusetMems;
  if (!Object.keys(cpu).length) delete r.cpu;
  if (f.pidsLimit !== undefined) {
    hc.PidsLimit = parseIntFlag(f.pidsLimit, '--pids-limit');
    r.pids = { limit: hc.PidsLimit <= 0 ? -1 : hc.PidsLimit };
  }
  if (f.blkioWeight !== undefined) {
    const weight = parseBlkioWeight(f.blkioWeight); // 0 leaves it as it is, as Docker's update
    if (weight && can && !can.blkioWeight) warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    else if (weight) r.blockIO = { weight: (hc.BlkioWeight = weight) };
  }
  if (f.restart !== undefined) {
    if (hc.AutoRemove && f.restart !== 'no') throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
    hc.RestartPolicy = parseRestart(f.restart);
  }
  return r;
}

/** Returns dockerd's warnings for what this host could not take (Docker's CLI prints them after the names). */
export function updateContainer(store: ContainerStore, ref: string, f: UpdateFlags): string[] {
  const found = store.find(ref);
  const warnings: string[] = [];
  store.withLockSync(found.Id, () => {
    const rec = store.read(found.Id);
    if (!rec) return;
    const can = f.blkioWeight !== undefined || f.memorySwap !== undefined ? resourceSupport() : undefined;
    const resources = updateResources(rec.HostConfig, f, can, warnings);
    const st = liveState(store, rec);
    if (st.Running && st.cgroupPath && Object.keys(resources).length) containerCgroup(st)!.update(resources as never);
    store.write(rec);
  });
  return warnings;
}

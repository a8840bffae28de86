import { invalidArgument } from '../../errors.js';
import type { LinuxResources } from './types.js';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * Docker/runc memory sizes: `64m`, `1g`, `512k`, `1073741824`, with an optional
 * trailing `b`/`ib` (`64MB`, `64MiB`); binary units. `-1` means unlimited.
 */
export function parseMemorySize(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -1) return value;
    throw invalidArgument(`${field}: ${value} is not a size in bytes`);
  }
  const t = value.trim().toLowerCase();
  if (t === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/.exec(t) ?? /^(\d+)(b)$/.exec(t);
  if (!m) throw invalidArgument(`${field}: ${JSON.stringify(value)} is not a size like 64m or 1g`);
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2]]);
}

/** Docker's `--cpus 1.5` as a CFS quota over `period` (100 ms by default). */
export function cpusToQuota(cpus: string | number, period = 100000): { quota: number; period: number } {
  const n = typeof cpus === 'number' ? cpus : Number(String(cpus).trim());
  if (!Number.isFinite(n) || n <= 0 || n > 1024) throw invalidArgument(`--cpus: ${JSON.stringify(cpus)} is not a positive number of CPUs`);
  return { quota: Math.max(1000, Math.round(n * period)), period };
}

/** `runc update` / `docker update` flags, as the CLI parsed them (strings as typed). */
export interface UpdateOptions {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpus?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  blkioWeight?: string;
}

function integer(v: string, field: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw invalidArgument(`${field}: ${JSON.stringify(v)} is not an integer`);
  return Number(v);
}

/**
 * Update flags -> the OCI resources to apply to a running container (then
 * `Cgroup.update`, which validates the values). Only the given flags appear.
 */
export function updateOptionsToResources(o: UpdateOptions): LinuxResources {
  const r: LinuxResources = {};
  if (o.memory !== undefined || o.memorySwap !== undefined || o.memoryReservation !== undefined) {
    r.memory = {};
    if (o.memory !== undefined) r.memory.limit = parseMemorySize(o.memory, '--memory');
    if (o.memorySwap !== undefined) r.memory.swap = parseMemorySize(o.memorySwap, '--memory-swap');
    if (o.memoryReservation !== undefined) r.memory.reservation = parseMemorySize(o.memoryReservation, '--memory-reservation');
  }
  if ([o.cpuShares, o.cpuPeriod, o.cpuQuota, o.cpus, o.cpusetCpus, o.cpusetMems].some((v) => v !== undefined)) {
    r.cpu = {};
    if (o.cpuShares !== undefined) r.cpu.shares = integer(o.cpuShares, '--cpu-shares');
    if (o.cpuPeriod !== undefined) r.cpu.period = integer(o.cpuPeriod, '--cpu-period');
    if (o.cpuQuota !== undefined) r.cpu.quota = integer(o.cpuQuota, '--cpu-quota');
    if (o.cpus !== undefined) {
      if (o.cpuQuota !== undefined) throw invalidArgument('--cpus and --cpu-quota cannot both be given');
      Object.assign(r.cpu, cpusToQuota(o.cpus, r.cpu.period ?? 100000));
    }
    if (o.cpusetCpus !== undefined) r.cpu.cpus = o.cpusetCpus;
    if (o.cpusetMems !== undefined) r.cpu.mems = o.cpusetMems;
  }
  if (o.pidsLimit !== undefined) r.pids = { limit: integer(o.pidsLimit, '--pids-limit') };
  if (o.blkioWeight !== undefined) r.blockIO = { weight: integer(o.blkioWeight, '--blkio-weight') };
  return r;
}

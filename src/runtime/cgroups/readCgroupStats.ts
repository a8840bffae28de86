import type { CgroupStats } from './types.js';

/** Reads one control file of the cgroup (by controller), undefined when absent. */
export type StatReader = (controller: string, file: string) => string | undefined;

/** Values at or above this are the kernel's "no limit" (v1 prints PAGE_COUNTER_MAX * page size). */
const UNLIMITED = 2 ** 62;

function num(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : 0;
}

function limitOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === 'max' || t === '' || t === '-1') return null;
  const n = Number(t);
  return Number.isFinite(n) && n < UNLIMITED ? n : null;
}

/** `key value` lines (memory.stat, cpu.stat, memory.events, oom_control) into a map. */
export function parseKeyValues(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

/** v1 blkio.throttle.io_service_bytes: `maj:min Read N` lines; sums Read and Write. */
export function parseBlkioV1(text: string | undefined): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of (text ?? '').split('\n')) {
    const [dev, op, v] = line.trim().split(/\s+/);
    if (!dev || !dev.includes(':')) continue;
    if (op === 'Read') readBytes += Number(v);
    if (op === 'Write') writeBytes += Number(v);
  }
  return { readBytes, writeBytes };
}

/** v2 io.stat: `maj:min rbytes=N wbytes=N ...` lines. */
export function parseIoStatV2(text: string | undefined): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of (text ?? '').split('\n')) {
    for (const kv of line.trim().split(/\s+/).slice(1)) {
      const [k, v] = kv.split('=');
      if (k === 'rbytes') readBytes += Number(v);
      if (k === 'wbytes') writeBytes += Number(v);
    }
  }
  return { readBytes, writeBytes };
}

export function readStatsV1(read: StatReader): CgroupStats {
  const mstat = parseKeyValues(read('memory', 'memory.stat'));
  const cstat = parseKeyValues(read('cpu', 'cpu.stat'));
  const oom = parseKeyValues(read('memory', 'memory.oom_control'));
  const usageNs = num(read('cpuacct', 'cpuacct.usage'));
  let userNs = num(read('cpuacct', 'cpuacct.usage_user'));
  let systemNs = num(read('cpuacct', 'cpuacct.usage_sys'));
  if (userNs === 0 && systemNs === 0) {
    const ticks = parseKeyValues(read('cpuacct', 'cpuacct.stat')); // USER_HZ = 100
    userNs = (ticks.get('user') ?? 0) * 1e7;
    systemNs = (ticks.get('system') ?? 0) * 1e7;
  }
  const blk = read('blkio', 'blkio.throttle.io_service_bytes_recursive') ?? read('blkio', 'blkio.throttle.io_service_bytes');
  return {
    memory: {
      usage: num(read('memory', 'memory.usage_in_bytes')),
      limit: limitOf(read('memory', 'memory.limit_in_bytes')),
      cache: mstat.get('total_cache') ?? mstat.get('cache') ?? 0,
      inactiveFile: mstat.get('total_inactive_file') ?? mstat.get('inactive_file') ?? 0,
      maxUsage: read('memory', 'memory.max_usage_in_bytes') === undefined ? null : num(read('memory', 'memory.max_usage_in_bytes')),
      failcnt: read('memory', 'memory.failcnt') === undefined ? null : num(read('memory', 'memory.failcnt')),
    },
    cpu: {
      usageNs,
      userNs,
      systemNs,
      periods: cstat.get('nr_periods') ?? 0,
      throttledPeriods: cstat.get('nr_throttled') ?? 0,
      throttledNs: cstat.get('throttled_time') ?? 0,
    },
    pids: { current: num(read('pids', 'pids.current')), limit: limitOf(read('pids', 'pids.max')) },
    blkio: parseBlkioV1(blk),
    oomKills: oom.get('oom_kill') ?? 0,
  };
}

export function readStatsV2(read: StatReader): CgroupStats {
  const mstat = parseKeyValues(read('memory', 'memory.stat'));
  const cstat = parseKeyValues(read('cpu', 'cpu.stat'));
  const events = parseKeyValues(read('memory', 'memory.events'));
  const peak = read('memory', 'memory.peak');
  return {
    memory: {
      usage: num(read('memory', 'memory.current')),
      limit: limitOf(read('memory', 'memory.max')),
      cache: mstat.get('file') ?? 0,
      inactiveFile: mstat.get('inactive_file') ?? 0,
      maxUsage: peak === undefined ? null : num(peak),
      failcnt: events.has('max') ? (events.get('max') as number) : null,
    },
    cpu: {
      usageNs: (cstat.get('usage_usec') ?? 0) * 1000,
      userNs: (cstat.get('user_usec') ?? 0) * 1000,
      systemNs: (cstat.get('system_usec') ?? 0) * 1000,
      periods: cstat.get('nr_periods') ?? 0,
      throttledPeriods: cstat.get('nr_throttled') ?? 0,
      throttledNs: (cstat.get('throttled_usec') ?? 0) * 1000,
    },
    pids: { current: num(read('pids', 'pids.current')), limit: limitOf(read('pids', 'pids.max')) },
    blkio: parseIoStatV2(read('io', 'io.stat')),
    oomKills: events.get('oom_kill') ?? 0,
  };
}

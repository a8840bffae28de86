/**
 * The engine's stats sample -> Docker's stats JSON (the v1 and v2 cgroup shapes share it:
 * memory_stats.stats carries both `inactive_file` and `total_inactive_file` so either
 * client formula subtracts the page cache). system_cpu_usage is wall time × CPUs: the
 * client's CPU % (cpu delta / system delta × CPUs) then equals berth's own `stats`.
 */
import os from 'node:os';
import type { Sample } from '../../engine/stats.js';

const NEVER = '0001-01-01T00:00:00Z';

function cpuStats(s: Sample | undefined, ncpu: number): Record<string, unknown> {
  const c = s?.stats?.cpu;
  return {
    cpu_usage: { total_usage: c?.usageNs ?? 0, usage_in_kernelmode: c?.systemNs ?? 0, usage_in_usermode: c?.userNs ?? 0 },
    system_cpu_usage: s ? Math.round(s.at * 1e6 * ncpu) : 0,
    online_cpus: ncpu,
    throttling_data: { periods: c?.periods ?? 0, throttled_periods: c?.throttledPeriods ?? 0, throttled_time: c?.throttledNs ?? 0 },
  };
}

export function statsJson(cur: Sample, prev: Sample | undefined): Record<string, unknown> {
  const ncpu = os.cpus().length;
  const st = cur.stats;
  const limit = st?.memory.limit && st.memory.limit < 2 ** 60 ? st.memory.limit : os.totalmem();
  const inactive = st ? st.memory.inactiveFile || st.memory.cache : 0;
  return {
    read: new Date(cur.at).toISOString(),
    preread: prev ? new Date(prev.at).toISOString() : NEVER,
    pids_stats: st ? { current: st.pids.current, ...(st.pids.limit ? { limit: st.pids.limit } : {}) } : {},
    blkio_stats: {
      io_service_bytes_recursive: st ? [{ major: 0, minor: 0, op: 'read', value: st.blkio.readBytes }, { major: 0, minor: 0, op: 'write', value: st.blkio.writeBytes }] : null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(st ? cur : undefined, ncpu),
    precpu_stats: cpuStats(prev?.stats ? prev : undefined, ncpu),
    memory_stats: st ? {
      usage: st.memory.usage, limit, ...(st.memory.maxUsage ? { max_usage: st.memory.maxUsage } : {}),
      stats: { cache: st.memory.cache, inactive_file: inactive, total_inactive_file: inactive },
    } : {},
    name: cur.rec.Name,
    id: cur.rec.Id,
    networks: cur.net ? { eth0: { rx_bytes: cur.net.rx, tx_bytes: cur.net.tx, rx_packets: 0, tx_packets: 0, rx_errors: 0, tx_errors: 0, rx_dropped: 0, tx_dropped: 0 } } : undefined,
  };
}

/** `stats`: cgroup counters -> Docker's columns (CPU % from two samples, as Docker's precpu). */
import { containerCgroup } from '../runtime/hostCgroupLayout.js';
import type { CgroupStats } from '../runtime/cgroups/index.js';
import { netDevBytes } from '../sys/netDevBytes.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import type { ContainerRecord } from './types.js';
import os from 'node:os';

export interface Sample { at: number; stats?: CgroupStats; net?: { rx: number; tx: number }; rec: ContainerRecord }

export function sample(store: ContainerStore, rec: ContainerRecord): Sample {
  const st = liveState(store, rec);
  if (!st.Running || !st.cgroupPath) return { at: Date.now(), rec };
  try {
    return { at: Date.now(), rec, stats: containerCgroup(st)!.stats(), net: st.Pid > 0 ? netDevBytes(st.Pid) : undefined };
  } catch {
    return { at: Date.now(), rec };
  }
}

function bytes(n: number, binary: boolean): string {
  const base = binary ? 1024 : 1000;
  const u = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= base && i < u.length - 1) {
    v /= base;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(2).replace(/\.?0+$/, (m) => (m.startsWith('.') ? '' : m))}${u[i]}`;
}

export function statsRow(prev: Sample, cur: Sample, trunc = true): Record<string, string> {
  const id = trunc ? cur.rec.Id.slice(0, 12) : cur.rec.Id;
  const name = cur.rec.Name.replace(/^\//, '');
  if (!cur.stats) return { ID: id, Container: id, Name: name, CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0' };
  const s = cur.stats;
  const dtNs = Math.max(1, (cur.at - prev.at) * 1e6);
  const dCpu = prev.stats ? s.cpu.usageNs - prev.stats.cpu.usageNs : 0;
  const cpuPerc = (dCpu / dtNs) * 100;
  const limit = s.memory.limit && s.memory.limit < 2 ** 60 ? s.memory.limit : os.totalmem(); // MemTotal, as libuv reads it from /proc/meminfo
  const used = Math.max(0, s.memory.usage - s.memory.cache);
  return {
    ID: id, Container: id, Name: name,
    CPUPerc: `${cpuPerc.toFixed(2)}%`,
    MemUsage: `${bytes(used, true)} / ${bytes(limit, true)}`,
    MemPerc: `${((used / limit) * 100).toFixed(2)}%`,
    NetIO: `${bytes(cur.net?.rx ?? 0, false)} / ${bytes(cur.net?.tx ?? 0, false)}`,
    BlockIO: `${bytes(s.blkio.readBytes, false)} / ${bytes(s.blkio.writeBytes, false)}`,
    PIDs: String(s.pids.current),
  };
}

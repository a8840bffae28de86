import { failedPrecondition, invalidArgument } from '../../errors.js';
import type { CgroupMode, CgroupWrite, LinuxBlockIO, LinuxCpu, LinuxDeviceCgroup, LinuxMemory, LinuxResources } from './types.js';

/**
 * OCI `linux.resources` -> the control-file writes that carry it out. Pure: one
 * translator, two backends (v1 and hybrid use v1 file names; v2 the unified ones).
 * Bad values throw InvalidArgument naming the field. Writes come in an order that
 * works for a fresh cgroup; the backend retries ordering conflicts (memory vs memsw).
 */
export function translateResources(resources: LinuxResources | undefined, mode: CgroupMode): CgroupWrite[] {
  if (resources === undefined || resources === null) return [];
  if (typeof resources !== 'object') throw invalidArgument('linux.resources: must be an object');
  const v2 = mode === 'v2';
  return [
    ...memory(resources.memory, v2),
    ...cpu(resources.cpu, v2),
    ...pids(resources.pids, v2),
    ...blockIO(resources.blockIO, v2),
    ...hugetlb(resources, v2),
    ...network(resources, v2),
    ...devices(resources.devices, v2),
    ...unified(resources.unified, v2),
  ];
}

const F = 'linux.resources';
const w = (controller: string, file: string, value: string | number): CgroupWrite => ({ controller, file, value: String(value) });

function int(v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidArgument(`${field}: ${JSON.stringify(v)} is not an integer in [${min}, ${max}]`);
  }
  return v;
}

/** A byte count or -1 (unlimited); 0 counts as unset (Docker's convention). */
function limit(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === 0) return undefined;
  return int(v, field, -1) === -1 ? -1 : (v as number);
}

function memory(m: LinuxMemory | undefined, v2: boolean): CgroupWrite[] {
  if (!m) return [];
  const out: CgroupWrite[] = [];
  const lim = limit(m.limit, `${F}.memory.limit`);
  const res = limit(m.reservation, `${F}.memory.reservation`);
  const swap = limit(m.swap, `${F}.memory.swap`);
  if (lim !== undefined && lim !== -1 && lim < 4096) throw invalidArgument(`${F}.memory.limit: ${lim} is below the minimum of 4096 bytes`);
  if (swap !== undefined && swap !== -1) {
    if (lim === undefined || lim === -1) throw invalidArgument(`${F}.memory.swap: needs memory.limit to be set`);
    if (swap < lim) throw invalidArgument(`${F}.memory.swap: ${swap} is below memory.limit ${lim} (swap counts memory plus swap)`);
  }
  if (v2) {
    if (lim !== undefined) out.push(w('memory', 'memory.max', lim === -1 ? 'max' : lim));
    if (res !== undefined) out.push(w('memory', 'memory.low', res === -1 ? 'max' : res));
    if (swap !== undefined) out.push(w('memory', 'memory.swap.max', swap === -1 ? 'max' : swap - (lim as number)));
  } else {
    if (lim !== undefined) out.push(w('memory', 'memory.limit_in_bytes', lim));
    if (swap !== undefined) out.push(w('memory', 'memory.memsw.limit_in_bytes', swap));
    if (res !== undefined) out.push(w('memory', 'memory.soft_limit_in_bytes', res));
    if (m.swappiness !== undefined && m.swappiness !== null && m.swappiness !== -1) {
      out.push(w('memory', 'memory.swappiness', int(m.swappiness, `${F}.memory.swappiness`, 0, 100)));
    }
    if (m.disableOOMKiller === true) out.push(w('memory', 'memory.oom_control', 1));
    // The TCP buffer limit exists on v1 only (and on kernels with kmem accounting: optional file).
    const tcp = limit(m.kernelTCP, `${F}.memory.kernelTCP`);
    if (tcp !== undefined) out.push(w('memory', 'memory.kmem.tcp.limit_in_bytes', tcp));
  }
  return out;
}

const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

function cpu(c: LinuxCpu | undefined, v2: boolean): CgroupWrite[] {
  if (!c) return [];
  const out: CgroupWrite[] = [];
  if (c.shares !== undefined && c.shares !== null && c.shares !== 0) {
    const shares = int(c.shares, `${F}.cpu.shares`, 2, 262144);
    out.push(v2 ? w('cpu', 'cpu.weight', sharesToWeight(shares)) : w('cpu', 'cpu.shares', shares));
  }
  const period = c.period ? int(c.period, `${F}.cpu.period`, 1000, 1000000) : undefined;
  const quota = c.quota !== undefined && c.quota !== null && c.quota !== 0 ? int(c.quota, `${F}.cpu.quota`, -1) : undefined;
  if (quota !== undefined && quota !== -1 && quota < 1000) throw invalidArgument(`${F}.cpu.quota: ${quota} is below the minimum of 1000 microseconds`);
  if (v2) {
    if (quota !== undefined || period !== undefined) {
      out.push(w('cpu', 'cpu.max', `${quota === undefined || quota === -1 ? 'max' : quota} ${period ?? 100000}`));
    }
    if (c.burst !== undefined && c.burst !== null) out.push(w('cpu', 'cpu.max.burst', int(c.burst, `${F}.cpu.burst`, 0)));
  } else {
    if (period !== undefined) out.push(w('cpu', 'cpu.cfs_period_us', period));
    if (quota !== undefined) out.push(w('cpu', 'cpu.cfs_quota_us', quota));
    if (c.burst !== undefined && c.burst !== null) out.push(w('cpu', 'cpu.cfs_burst_us', int(c.burst, `${F}.cpu.burst`, 0)));
    if (c.realtimePeriod) out.push(w('cpu', 'cpu.rt_period_us', int(c.realtimePeriod, `${F}.cpu.realtimePeriod`, 1)));
    if (c.realtimeRuntime) out.push(w('cpu', 'cpu.rt_runtime_us', int(c.realtimeRuntime, `${F}.cpu.realtimeRuntime`, -1)));
  }
  if (c.idle !== undefined && c.idle !== null) out.push(w('cpu', 'cpu.idle', int(c.idle, `${F}.cpu.idle`, 0, 1)));
  for (const key of ['cpus', 'mems'] as const) {
    const v = c[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || !CPU_LIST.test(v.trim())) throw invalidArgument(`${F}.cpu.${key}: ${JSON.stringify(v)} is not a list like 0-2,4`);
    out.push(w('cpuset', `cpuset.${key}`, v.trim()));
  }
  return out;
}

/** crun's conversion of v1 shares [2, 262144] to v2 weight [1, 10000]. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** v1 blkio weight [10, 1000] to v2 io.weight [1, 10000]. */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

function pids(p: { limit: number } | undefined, _v2: boolean): CgroupWrite[] {
  if (!p || p.limit === undefined || p.limit === null || p.limit === 0) return [];
  const n = int(p.limit, `${F}.pids.limit`, -1);
  return [w('pids', 'pids.max', n <= 0 ? 'max' : n)];
}

function blockIO(b: LinuxBlockIO | undefined, v2: boolean): CgroupWrite[] {
  if (!b) return [];
  const out: CgroupWrite[] = [];
  const weight = (v: unknown, field: string) => int(v, field, 10, 1000);
  if (b.weight) {
    const n = weight(b.weight, `${F}.blockIO.weight`);
    out.push(v2 ? w('io', 'io.weight', `default ${blkioWeightToIoWeight(n)}`) : w('blkio', 'blkio.weight', n));
  }
  if (b.leafWeight && !v2) out.push(w('blkio', 'blkio.leaf_weight', weight(b.leafWeight, `${F}.blockIO.leafWeight`)));
  (b.weightDevice ?? []).forEach((d, i) => {
    const field = `${F}.blockIO.weightDevice[${i}]`;
    const dev = devNum(d, field);
    if (d.weight) {
      const n = weight(d.weight, `${field}.weight`);
      out.push(v2 ? w('io', 'io.weight', `${dev} ${blkioWeightToIoWeight(n)}`) : w('blkio', 'blkio.weight_device', `${dev} ${n}`));
    }
    if (d.leafWeight && !v2) out.push(w('blkio', 'blkio.leaf_weight_device', `${dev} ${weight(d.leafWeight, `${field}.leafWeight`)}`));
  });
  const throttles = [
    ['throttleReadBpsDevice', 'read_bps_device', 'rbps'],
    ['throttleWriteBpsDevice', 'write_bps_device', 'wbps'],
    ['throttleReadIOPSDevice', 'read_iops_device', 'riops'],
    ['throttleWriteIOPSDevice', 'write_iops_device', 'wiops'],
  ] as const;
  for (const [key, v1file, v2key] of throttles) {
    (b[key] ?? []).forEach((d, i) => {
      const field = `${F}.blockIO.${key}[${i}]`;
      const dev = devNum(d, field);
      const rate = int(d.rate, `${field}.rate`, 0);
      out.push(v2 ? w('io', 'io.max', `${dev} ${v2key}=${rate === 0 ? 'max' : rate}`) : w('blkio', `blkio.throttle.${v1file}`, `${dev} ${rate}`));
    });
  }
  return out;
}

function devNum(d: { major: number; minor: number }, field: string): string {
  if (!d || typeof d !== 'object') throw invalidArgument(`${field}: must be an object with major and minor`);
  return `${int(d.major, `${field}.major`, 0, 4095)}:${int(d.minor, `${field}.minor`, 0, 1048575)}`;
}

const PAGE_SIZE = /^\d+(KB|MB|GB)$/;

function hugetlb(r: LinuxResources, v2: boolean): CgroupWrite[] {
  return (r.hugepageLimits ?? []).map((h, i) => {
    const field = `${F}.hugepageLimits[${i}]`;
    if (!h || typeof h.pageSize !== 'string' || !PAGE_SIZE.test(h.pageSize)) {
      throw invalidArgument(`${field}.pageSize: ${JSON.stringify(h?.pageSize)} is not a size like 2MB`);
    }
    const n = int(h.limit, `${field}.limit`, 0);
    return w('hugetlb', v2 ? `hugetlb.${h.pageSize}.max` : `hugetlb.${h.pageSize}.limit_in_bytes`, n);
  });
}

/** A v1 hugetlb file name as the v2 controller spells it (hybrid: hugetlb lives on cgroup2). */
export function hugetlbV1ToV2(file: string): string {
  return file.replace(/\.limit_in_bytes$/, '.max');
}

function network(r: LinuxResources, v2: boolean): CgroupWrite[] {
  const n = r.network;
  if (!n || (n.classID === undefined && !n.priorities?.length)) return [];
  // v2 has no net_cls/net_prio (classification is done with tc/eBPF): asked for, refused.
  if (v2) throw failedPrecondition(`${F}.network: net_cls and net_prio are cgroup v1 controllers; this host runs cgroup v2`, { code: 'cgroup.controller' });
  const out: CgroupWrite[] = [];
  if (n.classID !== undefined && n.classID !== null) out.push(w('net_cls', 'net_cls.classid', int(n.classID, `${F}.network.classID`, 0, 0xffffffff)));
  (n.priorities ?? []).forEach((p, i) => {
    if (!p || typeof p.name !== 'string' || !/^[\w.-]{1,15}$/.test(p.name)) throw invalidArgument(`${F}.network.priorities[${i}].name: not an interface name`);
    out.push(w('net_prio', 'net_prio.ifpriomap', `${p.name} ${int(p.priority, `${F}.network.priorities[${i}].priority`, 0, 0xffffffff)}`));
  });
  return out;
}

/**
 * v1 devices controller lines (`type major:minor access` into devices.allow/deny).
 * v2 needs an eBPF program loaded by the helper; not done yet, so v2 yields no writes.
 */
function devices(list: LinuxDeviceCgroup[] | undefined, v2: boolean): CgroupWrite[] {
  if (!list || v2) return [];
  return list.map((d, i) => {
    const field = `${F}.devices[${i}]`;
    if (!d || typeof d.allow !== 'boolean') throw invalidArgument(`${field}.allow: must be true or false`);
    return w('devices', d.allow ? 'devices.allow' : 'devices.deny', deviceRule(d, field));
  });
}

export function deviceRule(d: LinuxDeviceCgroup, field: string): string {
  const type = d.type ?? 'a';
  if (!['a', 'b', 'c'].includes(type)) throw invalidArgument(`${field}.type: ${JSON.stringify(type)} is not one of a, b, c`);
  const num = (v: number | null | undefined, name: string) =>
    v === undefined || v === null || v === -1 ? '*' : String(int(v, `${field}.${name}`, 0, 1048575));
  const access = d.access ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(access) || new Set(access).size !== access.length) {
    throw invalidArgument(`${field}.access: ${JSON.stringify(access)} is not a combination of r, w, m`);
  }
  return type === 'a' ? `a *:* ${access}` : `${type} ${num(d.major, 'major')}:${num(d.minor, 'minor')} ${access}`;
}

function unified(u: Record<string, string> | undefined, v2: boolean): CgroupWrite[] {
  if (!u || Object.keys(u).length === 0) return [];
  if (!v2) throw invalidArgument(`${F}.unified: needs cgroup v2 (this host runs v1 or hybrid)`);
  return Object.entries(u).map(([file, value]) => {
    if (!/^[a-z_]+\.[\w.]+$/.test(file)) throw invalidArgument(`${F}.unified: ${JSON.stringify(file)} is not a control file name`);
    if (typeof value !== 'string') throw invalidArgument(`${F}.unified.${file}: must be a string`);
    return w(file.slice(0, file.indexOf('.')), file, value);
  });
}

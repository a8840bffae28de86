import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir, tmpDir } from '../helpers.js';
import { detectCgroupLayout, type CgroupLayout } from '../../src/runtime/cgroups/index.js';

/** Control files the fake hierarchy roots carry (mkdir copies them into children). */
const V1_FILES: Record<string, string[]> = {
  cpu: ['cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_quota_us', 'cpu.cfs_burst_us', 'cpu.stat'],
  cpuacct: ['cpuacct.usage', 'cpuacct.usage_user', 'cpuacct.usage_sys', 'cpuacct.stat'],
  cpuset: ['cpuset.cpus', 'cpuset.mems'],
  memory: ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.swappiness', 'memory.oom_control', 'memory.usage_in_bytes', 'memory.stat', 'memory.failcnt', 'memory.max_usage_in_bytes'],
  pids: ['pids.max', 'pids.current'],
  blkio: ['blkio.bfq.weight', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device', 'blkio.throttle.read_iops_device', 'blkio.throttle.write_iops_device', 'blkio.throttle.io_service_bytes_recursive'],
  devices: ['devices.allow', 'devices.deny', 'devices.list'],
  freezer: ['freezer.state'],
  hugetlb: ['hugetlb.2MB.limit_in_bytes'],
  net_cls: ['net_cls.classid'],
  net_prio: ['net_prio.ifpriomap'],
};
const V2_FILES = ['cgroup.procs', 'cgroup.freeze', 'cgroup.events', 'cgroup.kill', 'memory.max', 'memory.low', 'memory.swap.max', 'memory.current', 'memory.stat', 'memory.events', 'memory.peak',
  'cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpu.stat', 'cpu.idle', 'cpuset.cpus', 'cpuset.mems', 'io.weight', 'io.max', 'io.stat', 'pids.max', 'pids.current', 'hugetlb.2MB.max'];

export type FixtureKind = 'v1' | 'hybrid' | 'v2';
const MOUNTINFO: Record<FixtureKind, string> = { v1: 'mountinfo-v1-comounted', hybrid: 'mountinfo-hybrid', v2: 'mountinfo-v2' };

/** A fake /sys/fs/cgroup in a temp dir, and the layout detected from it. */
export function fixtureTree(kind: FixtureKind): { root: string; layout: CgroupLayout; cleanup: () => void } {
  const root = tmpDir('berth-cgfix-');
  const mountinfo = path.join(fixturesDir, 'cgroup', MOUNTINFO[kind]);
  if (kind === 'v2') {
    for (const f of V2_FILES) fs.writeFileSync(path.join(root, f), '');
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
    fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
  } else {
    const text = fs.readFileSync(mountinfo, 'utf8');
    for (const m of text.matchAll(/ \/sys\/fs\/cgroup\/(\S+) .* - cgroup cgroup (\S+)/g)) {
      const dir = path.join(root, m[1]);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
      for (const opt of m[2].split(',')) for (const f of V1_FILES[opt] ?? []) fs.writeFileSync(path.join(dir, f), '');
      if (m[2].includes('cpuset')) {
        fs.writeFileSync(path.join(dir, 'cpuset.cpus'), '0-3\n');
        fs.writeFileSync(path.join(dir, 'cpuset.mems'), '0\n');
      }
    }
    if (kind === 'hybrid') {
      const u = path.join(root, 'unified');
      fs.mkdirSync(u);
      for (const f of ['cgroup.procs', 'cgroup.kill', 'cgroup.events', 'hugetlb.2MB.max']) fs.writeFileSync(path.join(u, f), '');
      fs.writeFileSync(path.join(u, 'cgroup.controllers'), 'hugetlb\n');
      fs.writeFileSync(path.join(u, 'cgroup.subtree_control'), '');
    }
  }
  const layout = detectCgroupLayout(root, mountinfo);
  return { root, layout, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

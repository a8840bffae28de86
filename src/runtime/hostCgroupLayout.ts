/**
 * The host's cgroup layout, for a process that lives across commands (the accelerator):
 * re-read per call from mountinfo (cheap) and re-detected whenever its cgroup lines
 * change, so a hierarchy mounted or unmounted since the last command is seen at once.
 * A container's own cgroup uses the layout recorded at its create (containerCgroup).
 */
import { Cgroup, cgroupMountLines, DEFAULT_CGROUP_ROOT, layoutFromMountinfo, readMountinfo, type CgroupLayout } from './cgroups/index.js';

const HOST_MOUNTINFO = '/proc/self/mountinfo';
let mountinfoFile = HOST_MOUNTINFO;
let cached: { key: string; layout: CgroupLayout } | undefined;

/** Tests: read another mountinfo file (a host whose hierarchies change between commands); no argument restores the host's. */
export function useMountinfo(file = HOST_MOUNTINFO): void {
  mountinfoFile = file;
}

export function cgroupLayout(): CgroupLayout {
  const key = cgroupMountLines(readMountinfo(mountinfoFile));
  if (cached?.key !== key) cached = { key, layout: layoutFromMountinfo(key, DEFAULT_CGROUP_ROOT) };
  return cached.layout;
}

/** What a container's runtime state records of its cgroup. */
export interface CgroupRecord {
  cgroupPath?: string;
  /** The layout it was created in; absent in state written before berth recorded it. */
  cgroupLayout?: CgroupLayout;
}

/** The container's cgroup on the hierarchies it was created in, not whatever the host has now. */
export function containerCgroup(r: CgroupRecord): Cgroup | undefined {
  return r.cgroupPath ? Cgroup.open(r.cgroupLayout ?? cgroupLayout(), r.cgroupPath) : undefined;
}

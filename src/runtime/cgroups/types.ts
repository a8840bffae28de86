/** OCI runtime-spec `linux.resources` (config-linux.md), the subset berth reads. */
export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number | null;
  minor?: number | null;
  access?: string;
}

export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
}

export interface LinuxCpu {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface LinuxWeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface LinuxThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

export interface LinuxHugepageLimit {
  pageSize: string;
  limit: number;
}

export interface LinuxNetwork {
  classID?: number;
  priorities?: { name: string; priority: number }[];
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCpu;
  pids?: { limit: number };
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  /** cgroup v2 only: raw `file: value` pairs. */
  unified?: Record<string, string>;
}

export type CgroupMode = 'v1' | 'hybrid' | 'v2';

/** One write into a cgroup control file: the translator's output, the backends' input. */
export interface CgroupWrite {
  /** The controller whose hierarchy holds `file` (v1), or that must be enabled (v2). */
  controller: string;
  file: string;
  value: string;
}

/** Statistics in one shape for v1 and v2. `null` means "no limit" or "not available". */
export interface CgroupStats {
  /** `inactiveFile` lets callers show Docker's figure: usage - inactiveFile. */
  memory: { usage: number; limit: number | null; cache: number; inactiveFile: number; maxUsage: number | null; failcnt: number | null };
  cpu: { usageNs: number; userNs: number; systemNs: number; periods: number; throttledPeriods: number; throttledNs: number };
  pids: { current: number; limit: number | null };
  blkio: { readBytes: number; writeBytes: number };
  oomKills: number;
}

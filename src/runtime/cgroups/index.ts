export { detectCgroupLayout, parseCgroupMounts, DEFAULT_CGROUP_ROOT, type CgroupLayout } from './detectCgroupLayout.js';
export { translateResources, sharesToWeight, blkioWeightToIoWeight, deviceRule } from './translateResources.js';
export { Cgroup, type CgroupOptions } from './Cgroup.js';
export { cgroupRelPath, validateRelPath, DEFAULT_CGROUP_PARENT } from './cgroupRelPath.js';
export { readStatsV1, readStatsV2 } from './readCgroupStats.js';
export type * from './types.js';
export { parseMemorySize, cpusToQuota, updateOptionsToResources, type UpdateOptions } from './updateOptions.js';
export { compileDeviceFilter, deviceAllowed, type DeviceFilter } from './compileDeviceFilter.js';

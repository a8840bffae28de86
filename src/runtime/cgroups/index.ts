/**
 * Resource control with cgroups (v1, hybrid, v2). Typical use by the runtime:
 *
 *   const layout = detectCgroupLayout();
 *   const cg = Cgroup.create(layout, cgroupRelPath(id, opts.cgroupParent));
 *   const skipped = cg.update(spec.linux?.resources ?? {});   // warn about `skipped`
 *   // v2/hybrid devices: attach compileDeviceFilter(resources.devices) at cg.bpfDeviceTarget()
 *   // helper: write the init's pid into cg.procsFiles() (or cg.addPid(pid)), then release it
 *   cg.stats(); cg.oomKilled(); cg.freeze(); cg.thaw();
 *   Cgroup.open(layout, relPath).destroy();   // on delete, also after the monitor died
 */
export { detectCgroupLayout, layoutFromMountinfo, readMountinfo, cgroupMountLines, parseCgroupMounts, DEFAULT_CGROUP_ROOT, type CgroupLayout } from './detectCgroupLayout.js';
export { translateResources, sharesToWeight, blkioWeightToIoWeight, deviceRule } from './translateResources.js';
export { Cgroup, type CgroupOptions } from './Cgroup.js';
export { cgroupRelPath, validateRelPath, DEFAULT_CGROUP_PARENT } from './cgroupRelPath.js';
export { readStatsV1, readStatsV2 } from './readCgroupStats.js';
export { parseMemorySize, cpusToQuota, updateOptionsToResources, type UpdateOptions } from './updateOptions.js';
export { compileDeviceFilter, deviceAllowed, type DeviceFilter } from './compileDeviceFilter.js';
export type * from './types.js';

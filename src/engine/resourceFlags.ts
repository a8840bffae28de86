/**
 * The block I/O and memory-tuning flags of `run`/`create` (and `update --blkio-weight`),
 * Docker's syntax and messages: --blkio-weight, --blkio-weight-device,
 * --device-read-iops/--device-write-iops, --memory-swappiness, --oom-kill-disable.
 * Parsing and the spec fragment are pure; `hostSupport` asks the cgroup layout what this
 * host can do, so create can warn and discard like dockerd.
 */
import { invalidArgument } from '../errors.js';
import type { LinuxBlockIO, LinuxMemory } from '../runtime/cgroups/types.js';
import { parseIntFlag } from './parseFlags.js';
import type { HostConfig, ThrottleDevice, WeightDevice } from './types.js';

/** The flags as commander hands them over. */
export interface ResourceFlagValues {
  blkioWeight?: string;
  blkioWeightDevice?: string[];
  deviceReadIops?: string[];
  deviceWriteIops?: string[];
  memorySwappiness?: string;
  oomKillDisable?: boolean;
}

type ResourceFields = Pick<HostConfig, 'BlkioWeight' | 'BlkioWeightDevice' | 'BlkioDeviceReadIOps' | 'BlkioDeviceWriteIOps' | 'MemorySwappiness' | 'OomKillDisable'>;

const flagError = (flag: string, val: string, why: string) => invalidArgument(`invalid argument "${val}" for "${flag}" flag: ${why}`);

/** Docker's `/dev/sda:VALUE` split: the device must be under /dev/. */
function deviceAndValue(spec: string, flag: string): [string, string] {
  const i = spec.indexOf(':');
  if (i <= 0) throw flagError(flag, spec, `bad format: ${spec}`);
  const dev = spec.slice(0, i);
  if (!dev.startsWith('/dev/')) throw flagError(flag, spec, `bad format for device path: ${spec}`);
  return [dev, spec.slice(i + 1)];
}

/** `--device-read-iops /dev/sda:1000` (Docker's ValidateThrottleIOpsDevice). */
export function parseIopsThrottle(spec: string, flag: string): ThrottleDevice {
  const [Path, v] = deviceAndValue(spec, flag);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw flagError(flag, spec, `invalid rate for device: ${spec}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  }
  return { Path, Rate: Number(v) };
}

/** `--blkio-weight-device /dev/sda:300` (0, or 10..1000). */
export function parseWeightDevice(spec: string): WeightDevice {
  const [Path, v] = deviceAndValue(spec, '--blkio-weight-device');
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535 || (n > 0 && (n < 10 || n > 1000))) throw flagError('--blkio-weight-device', spec, `invalid weight for device: ${spec}`);
  return { Path, Weight: n };
}

/** `--blkio-weight`: a uint16, then dockerd's range check (0 means unset). */
export function parseBlkioWeight(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 65535) throw flagError('--blkio-weight', v, `strconv.ParseUint: parsing "${v}": invalid syntax`);
  const n = Number(v);
  if (n > 0 && (n < 10 || n > 1000)) throw invalidArgument('Range of blkio weight is from 10 to 1000');
  return n;
}

/** `--memory-swappiness`: -1 (the default) means unset; else 0..100. */
export function parseSwappiness(v: string): number | null {
  const n = parseIntFlag(v, '--memory-swappiness');
  if (n === -1) return null;
  if (n < 0 || n > 100) throw invalidArgument(`Invalid value: ${n}, valid memory swappiness range is 0-100`);
  return n;
}

/** `--cpu-period`: 0 (unset) or 1000..1000000 microseconds, dockerd's message otherwise. */
export function parseCpuPeriod(v: string): number {
  const n = parseIntFlag(v, '--cpu-period');
  if (n !== 0 && (n < 1000 || n > 1000000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  return n;
}

/** `--cpu-quota`: at least 1000 microseconds when positive (-1: unlimited). */
export function parseCpuQuota(v: string): number {
  const n = parseIntFlag(v, '--cpu-quota');
  if (n > 0 && n < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  return n;
}

/** --cpus is a quota over a fixed period: it excludes both (dockerd's order of checks). */
export function checkNanoCpus(nanoCpus: number, period: number, quota: number): void {
  if (nanoCpus > 0 && period > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nanoCpus > 0 && quota > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
}

/** The HostConfig fields these flags set (Docker's defaults when absent). */
export function resourceHostConfig(f: ResourceFlagValues): ResourceFields {
  const list = <T>(l: string[] | undefined, p: (s: string) => T): T[] | null => (l?.length ? l.map(p) : null);
  return {
    BlkioWeight: f.blkioWeight === undefined ? 0 : parseBlkioWeight(f.blkioWeight),
    BlkioWeightDevice: list(f.blkioWeightDevice, parseWeightDevice),
    BlkioDeviceReadIOps: list(f.deviceReadIops, (s) => parseIopsThrottle(s, '--device-read-iops')),
    BlkioDeviceWriteIOps: list(f.deviceWriteIops, (s) => parseIopsThrottle(s, '--device-write-iops')),
    MemorySwappiness: f.memorySwappiness === undefined ? null : parseSwappiness(f.memorySwappiness),
    OomKillDisable: !!f.oomKillDisable,
  };
}

/** What this host's cgroups can carry out (dockerd's sysinfo). */
export interface ResourceSupport {
  /** Swap accounting (memsw on v1, memory.swap.max on v2): --memory-swap can be held. */
  swapLimit: boolean;
  swappiness: boolean;
  oomKillDisable: boolean;
  blkioWeight: boolean;
  blkioWeightDevice: boolean;
  iopsRead: boolean;
  iopsWrite: boolean;
}

/**
 * dockerd's verifyPlatformContainerResources for these fields: unsupported values are
 * discarded (set back to their defaults in `hc`) with its warning text, after the CLI's
 * own warning for --oom-kill-disable without -m. Returns the warnings, in Docker's order.
 */
export function discardUnsupported(hc: HostConfig, can: ResourceSupport): string[] {
  // The CLI's own warning comes first, from the request as typed.
  const w: string[] = hc.OomKillDisable && !hc.Memory ? ["Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous."] : [];
  if (hc.Memory > 0 && hc.MemorySwap > 0 && !can.swapLimit) {
    w.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    hc.MemorySwap = -1;
  }
  if (hc.MemorySwappiness != null && !can.swappiness) {
    w.push('Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.');
    hc.MemorySwappiness = null;
  }
  if (hc.OomKillDisable && !can.oomKillDisable) {
    w.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    hc.OomKillDisable = false;
  }
  if (hc.BlkioWeight && !can.blkioWeight) {
    w.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    hc.BlkioWeight = 0;
  }
  if (hc.BlkioWeightDevice?.length && !can.blkioWeightDevice) {
    w.push('Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.');
    hc.BlkioWeightDevice = null;
  }
  if (hc.BlkioDeviceReadIOps?.length && !can.iopsRead) {
    w.push('Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.');
    hc.BlkioDeviceReadIOps = null;
  }
  if (hc.BlkioDeviceWriteIOps?.length && !can.iopsWrite) {
    w.push('Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.');
    hc.BlkioDeviceWriteIOps = null;
  }
  return w;
}

/** True when any of these fields asks something of the host (so create checks it). */
export function usesTunables(hc: Partial<HostConfig>): boolean {
  return (!!hc.Memory && (hc.MemorySwap ?? 0) > 0) || hc.MemorySwappiness != null || !!hc.OomKillDisable || !!hc.BlkioWeight || !!hc.BlkioWeightDevice?.length
    || !!hc.BlkioDeviceReadIOps?.length || !!hc.BlkioDeviceWriteIOps?.length;
}

/** The OCI memory fields for swappiness and the OOM killer (older records lack them). */
export function memoryTunables(hc: Partial<HostConfig>): Pick<LinuxMemory, 'swappiness' | 'disableOOMKiller'> {
  return {
    ...(hc.MemorySwappiness != null && hc.MemorySwappiness >= 0 ? { swappiness: hc.MemorySwappiness } : {}),
    ...(hc.OomKillDisable ? { disableOOMKiller: true } : {}),
  };
}

/** The OCI blockIO fields for weights and IOPS limits; `device` gives a path's major:minor. */
export function blockIoTunables(hc: Partial<HostConfig>, device: (p: string) => { major: number; minor: number }): LinuxBlockIO {
  const num = (p: string) => {
    const d = device(p);
    return { major: d.major, minor: d.minor };
  };
  const rates = (l: ThrottleDevice[] | null | undefined) => (l ?? []).map((t) => ({ ...num(t.Path), rate: t.Rate }));
  const out: LinuxBlockIO = {};
  if (hc.BlkioWeight) out.weight = hc.BlkioWeight;
  const wd = (hc.BlkioWeightDevice ?? []).filter((d) => d.Weight > 0).map((d) => ({ ...num(d.Path), weight: d.Weight }));
  if (wd.length) out.weightDevice = wd;
  const r = rates(hc.BlkioDeviceReadIOps);
  const wr = rates(hc.BlkioDeviceWriteIOps);
  if (r.length) out.throttleReadIOPSDevice = r;
  if (wr.length) out.throttleWriteIOPSDevice = wr;
  return out;
}

const DEFAULTS: ResourceFields & Pick<HostConfig, 'CpusetMems'> = {
  CpusetMems: '',
  BlkioWeight: 0, BlkioWeightDevice: null, BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null, MemorySwappiness: null, OomKillDisable: false,
};

/** `hc` with these fields' defaults filled in (records written before they existed), for inspect. */
export function withResourceDefaults(hc: HostConfig): HostConfig {
  const missing = Object.entries(DEFAULTS).filter(([k]) => !(k in hc));
  return missing.length ? { ...hc, ...Object.fromEntries(missing) } : hc;
}

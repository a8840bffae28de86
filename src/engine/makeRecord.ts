/**
 * Image config + `run` flags -> the container record, exactly as Docker merges them:
 * --entrypoint resets the image's Cmd; arguments replace Cmd; -e/--env-file override
 * image Env by name; -w/-u/--stop-signal override the image's; image VOLUMEs not
 * covered by a mount become anonymous volumes. Pure.
 */
import { invalidArgument } from '../errors.js';
import type { ContainerConfig, HealthConfig } from '../image/manifest.js';
import { parseSignal } from '../runtime/lifecycle.js';
import {
  checkUlimitName, mergeEnv, parseBytes, parseCpus, parseDevice, parseDuration, parseEnvArgs, parseIntFlag, parseLabels,
  parseDeviceCgroupRule, parseLogDriver, parseLogOpts, parseMountFlag, parseRestart, parseSwap, parseSysctl, parseThrottle, parseTmpfsFlag, parseUlimit, parseVolumeFlag,
} from './parseFlags.js';
import { checkMemoryLimits } from './checkMemoryLimits.js';
import { checkNanoCpus, parseCpuPeriod, parseCpuQuota, resourceHostConfig } from './resourceFlags.js';
import type { RunFlags } from './runFlags.js';
import { checkDnsSearch, checkDnsServer, parseExtraHost } from '../network/etcFiles.js';
import type { ContainerRecord, EnvSource, HostConfig, MountPoint } from './types.js';
import { checkNamespacesWithUserns, parseNamespaceFlags, utsHostname } from './namespaceModes.js';
import { parseUsernsMode } from './userns.js';

export interface RecordInputs {
  id: string;
  name: string;
  imageId: string;
  /** What the user typed (`busybox`), shown by ps and Config.Image. */
  imageRef: string;
  image: ContainerConfig;
  command: string[];
  flags: RunFlags;
  /** Contents of the --env-file files, in order. */
  envFiles: string[];
  /** Where envFiles came from (kept in the record as EnvFiles). */
  envSources?: EnvSource[];
  hostEnv?: NodeJS.ProcessEnv;
  now?: Date;
}

export function makeRecord(i: RecordInputs): ContainerRecord {
  const f = i.flags;
  const img = i.image;
  // --entrypoint is one word; the API's Entrypoint a whole argv ([] or [''] resets it, as "").
  const userEntrypoint = f.entrypointArgv ?? (f.entrypoint === undefined ? undefined : f.entrypoint === '' ? [] : [f.entrypoint]);
  const setEntrypoint = userEntrypoint?.filter((a, n) => n > 0 || a !== '');
  const entrypoint = setEntrypoint !== undefined ? (setEntrypoint.length ? setEntrypoint : null) : (img.Entrypoint?.length ? img.Entrypoint : null);
  const cmd = i.command.length ? i.command : setEntrypoint !== undefined ? null : (img.Cmd?.length ? img.Cmd : null);
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw invalidArgument('no command specified', { code: 'container.noCommand' });
  const workdir = f.workdir ?? img.WorkingDir ?? '';
  if (workdir && !workdir.startsWith('/')) throw invalidArgument(`the working directory '${workdir}' is invalid, it needs to be an absolute path`);
  if (f.stopSignal) parseSignal(f.stopSignal);
  const env = mergeEnv(img.Env ?? [], [...i.envFiles.flat(), ...parseEnvArgs(f.env, i.hostEnv)]);
  const hc = hostConfig(f);
  const ns = parseNamespaceFlags(f);
  Object.assign(hc, ns);
  const userns = parseUsernsMode(f.userns, (i.hostEnv ?? process.env).BERTH_USERNS_REMAP);
  if (f.userns || userns !== 'host') Object.assign(hc, { UsernsMode: userns }); // Docker's HostConfig.UsernsMode
  checkNamespacesWithUserns(ns, userns);
  const mounts = mountPoints(f, img);
  return {
    Id: i.id,
    Name: `/${i.name}`,
    Image: i.imageId,
    Created: (i.now ?? new Date()).toISOString(),
    Path: argv[0],
    Args: argv.slice(1),
    Config: {
      Hostname: utsHostname(ns, f.hostname ?? i.id.slice(0, 12)),
      Domainname: '',
      User: f.user ?? img.User ?? '',
      AttachStdin: !!f.interactive,
      AttachStdout: !f.detach,
      AttachStderr: !f.detach,
      Tty: !!f.tty,
      OpenStdin: !!f.interactive,
      Env: env,
      Cmd: cmd,
      Entrypoint: entrypoint,
      Image: i.imageRef,
      Volumes: img.Volumes && Object.keys(img.Volumes).length ? img.Volumes : null,
      WorkingDir: workdir,
      Labels: { ...(img.Labels ?? {}), ...parseLabels(f.label) },
      StopSignal: f.stopSignal ?? img.StopSignal ?? 'SIGTERM',
      ...(f.stopTimeout !== undefined ? { StopTimeout: parseIntFlag(f.stopTimeout, '--stop-timeout', -1) } : {}),
      ...healthcheck(f, img.Healthcheck),
      ...(img.ExposedPorts && Object.keys(img.ExposedPorts).length ? { ExposedPorts: img.ExposedPorts } : {}),
    },
    HostConfig: hc,
    Mounts: mounts,
    SnapshotKey: i.id,
    RestartCount: 0,
    State: { Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z', Error: '' },
    ...(i.envSources?.length ? { EnvFiles: i.envSources.map((s) => ({ ...s, Env: [...s.Env] })) } : {}),
  };
}

function healthcheck(f: RunFlags, image: HealthConfig | undefined): { Healthcheck?: HealthConfig } {
  if (f.noHealthcheck) return { Healthcheck: { Test: ['NONE'] } };
  const h: HealthConfig = { ...(image ?? {}) };
  if (f.healthCmd !== undefined) h.Test = ['CMD-SHELL', f.healthCmd];
  if (f.healthTest?.length) h.Test = [...f.healthTest];
  if (f.healthInterval) h.Interval = parseDuration(f.healthInterval, '--health-interval');
  if (f.healthTimeout) h.Timeout = parseDuration(f.healthTimeout, '--health-timeout');
  if (f.healthStartPeriod) h.StartPeriod = parseDuration(f.healthStartPeriod, '--health-start-period');
  if (f.healthRetries) h.Retries = parseIntFlag(f.healthRetries, '--health-retries', 0);
  return Object.keys(h).length ? { Healthcheck: h } : {};
}

function hostConfig(f: RunFlags): HostConfig {
  const restart = parseRestart(f.restart);
  if (f.rm && restart.Name !== 'no') throw invalidArgument('conflicting options: cannot specify both --restart and --rm');
  if (f.memory?.trim() === '') throw invalidArgument(`invalid argument "${f.memory}" for "-m, --memory" flag: invalid size: '${f.memory}'`);
  const memory = f.memory ? parseBytes(f.memory, '--memory') : 0;
  let swap = f.memorySwap ? parseSwap(f.memorySwap) : 0;
  checkMemoryLimits(memory, swap);
  if (!f.memorySwap && memory > 0) swap = memory * 2;
  if (f.gpus !== undefined) throw invalidArgument('could not select device driver "" with capabilities: [[gpu]]', { hint: 'berth has no GPU device support; pass device nodes with --device' });
  if (f.storageOpt?.length) throw invalidArgument("--storage-opt is supported only for overlay over xfs with 'pquota' mount option", { hint: 'berth\'s overlay snapshotter sets no per-container size quota' });
  const logDriver = parseLogDriver(f.logDriver);
  const log = parseLogOpts(f.logOpt, logDriver);
  const tmpfs: Record<string, string> = {};
  for (const t of f.tmpfs) {
    const [d, o] = parseTmpfsFlag(t);
    tmpfs[d] = o;
  }
  const sysctls: Record<string, string> = {};
  for (const s of f.sysctl) {
    const [k, v] = parseSysctl(s);
    sysctls[k] = v;
  }
  const cpus = f.cpus ? parseCpus(f.cpus) : 0;
  const cpuPeriod = f.cpuPeriod ? parseCpuPeriod(f.cpuPeriod) : 0;
  const cpuQuota = f.cpuQuota ? parseCpuQuota(f.cpuQuota) : 0;
  checkNanoCpus(cpus, cpuPeriod, cpuQuota);
  const network = f.network === 'default' ? 'bridge' : f.network ?? 'bridge';
  return {
    Binds: f.volume.length ? [...f.volume] : null,
    AutoRemove: !!f.rm,
    Privileged: !!f.privileged,
    ReadonlyRootfs: !!f.readOnly,
    CapAdd: f.capAdd.length ? [...f.capAdd] : null,
    CapDrop: f.capDrop.length ? [...f.capDrop] : null,
    SecurityOpt: f.securityOpt.length ? [...f.securityOpt] : null,
    NetworkMode: network,
    ExtraHosts: f.addHost?.length ? f.addHost.map(checkedExtraHost) : null,
    Dns: (f.dns ?? []).map(checkDnsServer),
    DnsOptions: [...(f.dnsOption ?? [])],
    DnsSearch: (f.dnsSearch ?? []).map(checkDnsSearch),
    PortBindings: {},
    DeviceCgroupRules: f.deviceCgroupRule?.length ? f.deviceCgroupRule.map((r) => { parseDeviceCgroupRule(r); return r; }) : null,
    RestartPolicy: restart,
    Init: f.init ? true : null,
    LogConfig: { Type: logDriver, Config: log.config },
    Tmpfs: Object.keys(tmpfs).length ? tmpfs : null,
    Memory: memory,
    MemorySwap: swap,
    MemoryReservation: f.memoryReservation ? parseBytes(f.memoryReservation, '--memory-reservation') : 0,
    NanoCpus: cpus,
    CpuShares: f.cpuShares ? parseIntFlag(f.cpuShares, '--cpu-shares', 0) : 0,
    CpuQuota: cpuQuota,
    CpuPeriod: cpuPeriod,
    CpusetCpus: f.cpusetCpus ?? '',
    CpusetMems: f.cpusetMems ?? '',
    PidsLimit: f.pidsLimit ? parseIntFlag(f.pidsLimit, '--pids-limit') : null,
    Devices: f.device.map(parseDevice),
    BlkioDeviceReadBps: f.deviceReadBps.length ? f.deviceReadBps.map((d) => parseThrottle(d, '--device-read-bps')) : null,
    BlkioDeviceWriteBps: f.deviceWriteBps.length ? f.deviceWriteBps.map((d) => parseThrottle(d, '--device-write-bps')) : null,
    Ulimits: f.ulimit.length ? f.ulimit.map((u) => checkUlimitName(parseUlimit(u))) : null,
    Sysctls: Object.keys(sysctls).length ? sysctls : null,
    OomScoreAdj: f.oomScoreAdj ? parseIntFlag(f.oomScoreAdj, '--oom-score-adj', -1000, 1000) : 0,
    CgroupParent: f.cgroupParent ?? '',
    ShmSize: f.shmSize ? parseBytes(f.shmSize, '--shm-size') : 0,
    ...(f.consoleSize && f.consoleSize[0] > 0 && f.consoleSize[1] > 0 ? { ConsoleSize: f.consoleSize } : {}),
    ...resourceHostConfig(f),
  };
}

function checkedExtraHost(h: string): string {
  parseExtraHost(h);
  return h;
}

function mountPoints(f: RunFlags, img: ContainerConfig): MountPoint[] {
  const out: MountPoint[] = [];
  const add = (m: MountPoint) => {
    if (out.some((x) => x.Destination === m.Destination)) throw invalidArgument(`Duplicate mount point: ${m.Destination}`);
    out.push(m);
  };
  for (const v of f.volume) add(parseVolumeFlag(v));
  for (const m of f.mount) add(parseMountFlag(m));
  for (const dest of Object.keys(img.Volumes ?? {})) {
    const d = dest.replace(/\/+$/, '') || '/';
    if (out.some((x) => x.Destination === d) || f.tmpfs.some((t) => parseTmpfsFlag(t)[0] === d)) continue;
    out.push({ Type: 'volume', Name: '', Source: '', Destination: d, Driver: 'local', Mode: '', RW: true, Propagation: '', Anonymous: true });
  }
  return out;
}

import type { ResourceFlagValues } from './resourceFlags.js';

/** The `run`/`create` flags as commander hands them over (camelCase, strings and lists). */
export interface RunFlags extends ResourceFlagValues {
  detach?: boolean;
  interactive?: boolean;
  tty?: boolean;
  rm?: boolean;
  name?: string;
  env: string[];
  envFile: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  /** A whole entrypoint argv (the Engine API's Config.Entrypoint); wins over `entrypoint`. */
  entrypointArgv?: string[];
  hostname?: string;
  label: string[];
  /** `--label-file` (read before --label, which wins). */
  labelFile?: string[];
  /** `--cidfile`: the full ID is written there (refused if it exists). */
  cidfile?: string;
  volume: string[];
  mount: string[];
  tmpfs: string[];
  readOnly?: boolean;
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  device: string[];
  deviceReadBps: string[];
  deviceWriteBps: string[];
  ulimit: string[];
  sysctl: string[];
  capAdd: string[];
  capDrop: string[];
  privileged?: boolean;
  securityOpt: string[];
  restart?: string;
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  noHealthcheck?: boolean;
  /** A whole health test in Docker's form (`["CMD", ...]`, `["CMD-SHELL", cmd]`, `["NONE"]`): compose's `healthcheck.test`, the API's Healthcheck.Test. */
  healthTest?: string[];
  logOpt: string[];
  logDriver?: string;
  oomScoreAdj?: string;
  /** --shm-size: the size of the private /dev/shm (bytes, k, m, g). */
  shmSize?: string;
  /** The API's ConsoleSize at create: [rows, cols], the TTY's size before any resize. */
  consoleSize?: [number, number];
  cgroupParent?: string;
  network?: string;
  publish: string[];
  publishAll?: boolean;
  networkAlias?: string[];
  ip?: string;
  networkRate?: string;
  expose?: string[];
  /** `--add-host host:ip` (repeatable). */
  addHost?: string[];
  attach: string[];
  detachKeys?: string;
  /** --userns: host, remap or auto (src/engine/userns.ts). */
  userns?: string;
  macAddress?: string;
  /** `--pull missing|always|never`, `--platform os/arch` (engine/imagePolicy.ts). */
  pull?: string;
  platform?: string;
  volumesFrom?: string[];
  deviceCgroupRule?: string[];
  gpus?: string;
  storageOpt?: string[];
  link?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  /** --pid, --ipc, --uts, --cgroupns (engine/namespaceModes.ts). */
  pid?: string;
  ipc?: string;
  uts?: string;
  cgroupns?: string;
  /** `--pod NAME`: join that pod (engine/pods/joinPod.ts). */
  pod?: string;
}

export function emptyRunFlags(): RunFlags {
  return {
    env: [], envFile: [], label: [], volume: [], mount: [], tmpfs: [], device: [], deviceReadBps: [], deviceWriteBps: [],
    ulimit: [], sysctl: [], capAdd: [], capDrop: [], securityOpt: [], logOpt: [], publish: [], attach: [],
  };
}

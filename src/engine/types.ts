/**
 * The container record, `<root>/containers/<id>/container.json`. Docker's PascalCase,
 * because it is what `inspect` shows and what the image store reads (Id, Name, Image).
 */
import type { HealthConfig } from '../image/manifest.js';

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Anonymous volumes (image VOLUME, `-v /path`) go with `rm -v`. */
  Anonymous?: boolean;
  /** tmpfs options (size=, mode=). */
  Options?: string[];
}

export interface RestartPolicy { Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure'; MaximumRetryCount: number }

export interface DeviceMapping { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }
export interface ThrottleDevice { Path: string; Rate: number }
export interface WeightDevice { Path: string; Weight: number }
export interface Ulimit { Name: string; Soft: number; Hard: number }

export interface HostConfig {
  Binds: string[] | null;
  AutoRemove: boolean;
  Privileged: boolean;
  ReadonlyRootfs: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  SecurityOpt: string[] | null;
  NetworkMode: string;
  /** `--add-host host:ip` as typed (`host-gateway` resolved when /etc/hosts is written). */
  ExtraHosts?: string[] | null;
  /** `--volumes-from` as typed (its mounts are copied into Mounts at create). */
  VolumesFrom?: string[] | null;
  /** `--device-cgroup-rule`, Docker's `c 1:3 rwm` form. */
  DeviceCgroupRules?: string[] | null;
  /** `--link`: Docker's `/target:/name/alias`. */
  Links?: string[] | null;
  /** --dns, --dns-search, --dns-option (Docker's names); absent in older records. */
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  RestartPolicy: RestartPolicy;
  Init: boolean | null;
  LogConfig: { Type: 'json-file' | 'local' | 'none'; Config: Record<string, string> };
  Tmpfs: Record<string, string> | null;
  Memory: number;
  MemorySwap: number;
  MemoryReservation: number;
  NanoCpus: number;
  CpuShares: number;
  CpuQuota: number;
  CpuPeriod: number;
  CpusetCpus: string;
  /** --cpuset-mems; absent in older records. */
  CpusetMems?: string;
  PidsLimit: number | null;
  Devices: DeviceMapping[];
  BlkioDeviceReadBps: ThrottleDevice[] | null;
  BlkioDeviceWriteBps: ThrottleDevice[] | null;
  /** --blkio-weight, --blkio-weight-device, --device-*-iops, --memory-swappiness, --oom-kill-disable (engine/resourceFlags.ts); absent in older records. */
  BlkioWeight?: number;
  BlkioWeightDevice?: WeightDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean;
  Ulimits: Ulimit[] | null;
  Sysctls: Record<string, string> | null;
  OomScoreAdj: number;
  CgroupParent: string;
  /** --shm-size in bytes (0: the default 64m); absent in older records. */
  ShmSize?: number;
  /** [rows, cols] of the TTY at start (the API's ConsoleSize); absent: the kernel's default until a resize. */
  ConsoleSize?: [number, number];
  /** --pid, --ipc, --uts, --cgroupns (engine/namespaceModes.ts); absent in older records: new namespaces. */
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  CgroupnsMode?: 'private' | 'host';
}

export interface ContainerConfigRec {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  OpenStdin: boolean;
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Labels: Record<string, string>;
  StopSignal: string;
  StopTimeout?: number;
  Healthcheck?: HealthConfig;
  ExposedPorts?: Record<string, object>;
  /** `--mac-address` (Docker's Config.MacAddress). */
  MacAddress?: string;
}

/** The part of State written to disk; the live view is derived (engine/containerState.ts). */
export interface StoredRunState {
  StartedAt: string;
  FinishedAt: string;
  /** Set by stop/kill so `unless-stopped`/`always` know it was the user. */
  StoppedByUser?: boolean;
  Error: string;
  /** Exit code of a start that failed (126/127) or the last observed exit. */
  ExitCode?: number;
}

/** One `network connect` of a container: what the next start asks for again. */
export interface ConnectedNetwork { NetworkID: string; Aliases?: string[]; IPv4Address?: string }

export interface ContainerRecord {
  Id: string;
  /** `/name`, as Docker. */
  Name: string;
  /** The image ID (sha256:...). */
  Image: string;
  Created: string;
  Path: string;
  Args: string[];
  Config: ContainerConfigRec;
  HostConfig: HostConfig;
  Mounts: MountPoint[];
  SnapshotKey: string;
  RestartCount: number;
  /** Kept in the record for the image store (isRunning); refreshed when a command observes a change. */
  State: { Status: string; Running: boolean } & StoredRunState;
  /** The -p/-P requests as typed (parsed by the network layer at start). */
  Publish?: string[];
  /** `--network-alias`, `--ip`, `--network-rate` (applied by the network layer at start). */
  NetworkExtras?: { Aliases?: string[]; IPv4Address?: string; Rate?: string; MacAddress?: string };
  /** Networks joined with `network connect` besides HostConfig.NetworkMode's, by name; attached again at every start. */
  ConnectedNetworks?: Record<string, ConnectedNetwork>;
  /** Set when `network disconnect` took the last network away (NetworkMode became none): the next connect makes its network the primary one again, as dockerd lets it. */
  NetworkEmptied?: boolean;
  /** Resolved process user (uid/gid/groups) so restarts do not reread /etc/passwd. */
  ProcessUser?: { uid: number; gid: number; additionalGids: number[] };
  /** Where variables of Config.Env came from besides -e, in order (kube generate's ConfigMaps/Secrets); absent in older records. */
  EnvFiles?: EnvSource[];
}

/** One `--env-file` (its absolute path) or, for `kube play`, one envFrom ConfigMap/Secret: the variables it gave, as read. */
export interface EnvSource { File?: string; ConfigMap?: string; Secret?: string; /** envFrom's prefix (Env has the prefixed names). */ Prefix?: string; Env: string[] }

/** The normalised project model (what `config` prints), as the planner and runner read it. */
import type { Dict } from './merge.js';
import type { PortConfig } from './ports.js';
import type { VolumeMount } from './volumes.js';

export interface DependsOn { condition: 'service_started' | 'service_healthy' | 'service_completed_successfully' | string; required: boolean; restart?: boolean }
export interface ServiceNetwork { aliases?: string[]; ipv4_address?: string; ipv6_address?: string; priority?: number }
export interface Resources { cpus?: number; memory?: string; pids?: number }

export interface ServiceConfig {
  image?: string;
  build?: Dict;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: PortConfig[];
  expose?: string[];
  volumes?: VolumeMount[];
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  depends_on?: Record<string, DependsOn>;
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; start_period?: string; start_interval?: string; retries?: number };
  hostname?: string;
  domainname?: string;
  user?: string;
  working_dir?: string;
  labels?: Record<string, string>;
  restart?: string;
  container_name?: string;
  mem_limit?: string;
  mem_reservation?: string;
  memswap_limit?: string;
  shm_size?: string;
  cpus?: number;
  cpu_shares?: number;
  pids_limit?: number;
  deploy?: { replicas?: number; resources?: { limits?: Resources; reservations?: Resources }; restart_policy?: Dict };
  scale?: number;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  privileged?: boolean;
  read_only?: boolean;
  tmpfs?: string[];
  stop_signal?: string;
  stop_grace_period?: string;
  init?: boolean;
  sysctls?: Record<string, string>;
  ulimits?: Record<string, number | { soft: number; hard: number }>;
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  extra_hosts?: string[];
  tty?: boolean;
  stdin_open?: boolean;
  oom_score_adj?: number;
  profiles?: string[];
  pull_policy?: string;
  platform?: string;
  [k: string]: unknown;
}

export interface NetworkConfig { name: string; external?: boolean; driver?: string; internal?: boolean; labels?: Record<string, string>; ipam?: { driver?: string; config?: { subnet?: string; gateway?: string; ip_range?: string }[] }; [k: string]: unknown }
export interface VolumeConfig { name: string; external?: boolean; driver?: string; labels?: Record<string, string>; [k: string]: unknown }

export interface Project {
  name: string;
  /** The project directory (relative paths, `.env`). */
  workingDir: string;
  configFiles: string[];
  /** Shell environment over `.env`/`--env-file`: what interpolation saw. */
  environment: Record<string, string>;
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  /** The whole normalised model, as `config` prints it. */
  model: Dict;
  /** Services left out by profiles. */
  disabled: string[];
}

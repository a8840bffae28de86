/** Data shapes of the network layer. Persisted as JSON under `<root>/networks/`. */

export type Protocol = 'tcp' | 'udp';

/** One published port after parsing and host-port assignment. */
export interface PortMapping {
  /** Host address to bind on ('' = every host address, Docker's 0.0.0.0). */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

/** A port request from `-p`/`-P`: hostPort 0 means "pick a free one". */
export type PortRequest = PortMapping;

/** A container's presence on one network: its address and what it published. */
export interface Endpoint {
  containerId: string;
  name: string;
  aliases: string[];
  ip: string;
  mac: string;
  /** Host side of the veth pair. */
  hostIfname: string;
  /** Interface name inside the container. */
  ifname: string;
  netnsPath: string;
  ports: PortMapping[];
  hostname?: string;
  /** `--dns`: the embedded DNS forwards this endpoint's queries there rather than to the network's upstreams (Docker's ExtServers). */
  dns?: string[];
}

export interface NetworkConfig {
  name: string;
  /** 64 hex chars, like Docker's network IDs. */
  id: string;
  driver: 'bridge';
  /** Linux bridge device name (<= 15 chars). */
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  /** Created with --subnet (Docker allows --ip only then); absent in older networks: allowed. */
  userSubnet?: boolean;
  /** The default `bridge` network: no embedded DNS (Docker's behaviour). */
  isDefault: boolean;
  labels: Record<string, string>;
  created: string;
}

/** The whole persisted state of a network: config + endpoints (the IPAM allocations). */
export interface NetworkState extends NetworkConfig {
  endpoints: Record<string, Endpoint>;
  /** Pid of the network's DNS server process, when running. */
  dnsPid?: number;
  /** Upstream resolvers for the DNS server (`ip` or `ip#port`); default: the host's. */
  dnsUpstream?: string[];
  /** Port of the DNS server on the gateway (default 53). */
  dnsPort?: number;
}

/** What the engine gets back from attachContainer. */
export interface AttachResult {
  network: string;
  networkId: string;
  ip: string;
  prefixLen: number;
  mac: string;
  gateway: string;
  ifname: string;
  hostIfname: string;
  ports: PortMapping[];
  /** Content for the container's /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  files: { hosts: string; hostname: string; resolvConf: string };
}

import { invalidArgument } from '../../errors.js';

/**
 * One `tc` invocation as argv: `tc ...`, `tc -n <name> ...` for a named netns
 * (/run/netns/<name>), or `nsenter --net=<path> -- tc ...` for a netns given by
 * path (e.g. /proc/<pid>/ns/net, which `tc -n` cannot take).
 */
export type TcCommand = string[];

const UNITS: Record<string, number> = {
  bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12,
  bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9,
  k: 1e3, m: 1e6, g: 1e9, '': 1,
};

/**
 * A rate in bits per second, from a number (bits/s) or tc-style text:
 * `1mbit`, `500kbit`, `2mbps` (bytes), `10m`. Bad input -> InvalidArgument naming `field`.
 */
export function parseRate(value: string | number, field = 'rate'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 8 || !Number.isInteger(value)) throw invalidArgument(`${field}: ${value} is not a rate of at least 8 bit/s`);
    return value;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = m?.[2].toLowerCase();
  if (!m || unit === undefined || !(unit in UNITS)) {
    throw invalidArgument(`${field}: ${JSON.stringify(value)} is not a rate like 1mbit, 500kbit or 2mbps`);
  }
  const bits = Math.round(Number(m[1]) * UNITS[unit]);
  if (bits < 8) throw invalidArgument(`${field}: ${JSON.stringify(value)} is below 8 bit/s`);
  return bits;
}

/** Bucket size: 100 ms worth of traffic, at least 16 KiB (a few full-size frames). */
export function burstBytes(bitsPerSec: number): number {
  return Math.max(16384, Math.ceil(bitsPerSec / 8 / 10));
}

const DEV = /^[A-Za-z0-9_.@-]{1,15}$/;

function prefix(dev: string, netns?: string): string[] {
  if (!DEV.test(dev)) throw invalidArgument(`network rate: ${JSON.stringify(dev)} is not an interface name`);
  if (netns === undefined) return ['tc'];
  if (netns.startsWith('/') && !netns.includes('..') && /^[\w./-]+$/.test(netns)) return ['nsenter', `--net=${netns}`, '--', 'tc'];
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(netns)) throw invalidArgument(`network rate: ${JSON.stringify(netns)} is not a netns name or path`);
  return ['tc', '-n', netns];
}

/**
 * Shape what leaves `dev` to `rate` with a token bucket (tbf) as its root qdisc.
 * `replace` makes it idempotent (update a running container's limit).
 */
export function egressLimitCommands(dev: string, rate: string | number, netns?: string): TcCommand[] {
  const bits = parseRate(rate, `network rate for ${dev}`);
  return [[...prefix(dev, netns), 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${bits}bit`, 'burst', String(burstBytes(bits)), 'latency', '50ms']];
}

/** Remove the shaping from `dev` (the runner tolerates "nothing to delete"). */
export function clearLimitCommands(dev: string, netns?: string): TcCommand[] {
  return [[...prefix(dev, netns), 'qdisc', 'del', 'dev', dev, 'root']];
}

export interface ContainerRateLimits {
  /** The veth end on the host (in the host's or the bridge's namespace). */
  hostVeth: string;
  /** The veth end inside the container and its netns: a name, or a path like /proc/<pid>/ns/net. */
  containerVeth: string;
  containerNetns: string;
  /** What the container sends, e.g. `10mbit`. */
  egress?: string | number;
  /** What the container receives. */
  ingress?: string | number;
}

/**
 * A container's egress and ingress limits, both as egress shaping (tbf), which
 * needs no ifb device or police action: the container's sending is shaped on its
 * own veth end (inside its netns; the container lacks CAP_NET_ADMIN to undo it),
 * its receiving on the host end, which is what the host sends into it.
 */
export function containerRatePlan(l: ContainerRateLimits): TcCommand[] {
  return [
    ...(l.egress !== undefined ? egressLimitCommands(l.containerVeth, l.egress, l.containerNetns) : []),
    ...(l.ingress !== undefined ? egressLimitCommands(l.hostVeth, l.ingress) : []),
  ];
}

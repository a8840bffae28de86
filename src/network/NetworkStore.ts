import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { alreadyExists, conflict, errnoCode, invalidArgument, notFound } from '../errors.js';
import { readJson, writeJsonAtomic } from '../sys/atomicWrite.js';
import { withLockFile } from '../sys/netLock.js';
import { hostRoutes } from '../sys/netHost.js';
import type { NetworkState } from './types.js';
import * as ip from './subnet.js';

export const DEFAULT_NETWORK = 'bridge';
export const DEFAULT_BRIDGE = 'berth0';
/** Candidates for the default bridge's subnet, first one not colliding with a host route wins. */
export const DEFAULT_SUBNETS = ['172.30.0.0/16', '10.129.0.0/16', '192.168.230.0/24'];
/** The berth root that owns `berth0`; any other root (tests, a second engine) gets its own bridge. */
export const DEFAULT_ROOT = '/var/lib/berth';
/** Other roots' default networks: a /20 from here, starting at an offset derived from the root. */
export const OTHER_ROOTS_POOL = '10.192.0.0/10';

/**
 * The default network's bridge for a root: `berth0` for /var/lib/berth, else `berthd` + a
 * hash of the root, so several roots on one machine never share (and re-address) a bridge.
 */
export function defaultBridgeFor(root: string): string {
  if (path.resolve(root) === DEFAULT_ROOT) return DEFAULT_BRIDGE;
  return `berthd${rootHash(root).slice(0, 9)}`;
}

function rootHash(root: string): string {
  return crypto.createHash('sha256').update(path.resolve(root)).digest('hex');
}
/** User networks without --subnet get a /24 from here. */
export const USER_POOL = '10.130.0.0/16';
/** Names berth never lets a user network take (Docker's reserved modes). */
const RESERVED = new Set(['bridge', 'host', 'none', 'default']);
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface CreateOptions {
  name: string;
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  /** Only for the default network (and tests): the bridge device name. */
  bridge?: string;
}

/**
 * Networks under `<root>/networks/<name>.json`: config, endpoints (the IPAM
 * allocations) and the DNS server pid, one JSON file per network, written atomically.
 * Every read-modify-write happens inside `locked()` (a cross-process lock file).
 */
export class NetworkStore {
  readonly dir: string;

  constructor(readonly root: string) {
    this.dir = path.join(root, 'networks');
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** Run fn holding the networks lock (cross-process). Not re-entrant. */
  locked<T>(fn: () => T | Promise<T>): Promise<T> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return withLockFile(path.join(this.dir, '.lock'), fn);
  }

  list(): NetworkState[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
    return names
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .map((n) => this.tryRead(n.slice(0, -5)))
      .filter((n): n is NetworkState => n !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private tryRead(name: string): NetworkState | undefined {
    try {
      return readJson<NetworkState>(this.file(name));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** By exact name, full id, or unique id prefix (Docker's lookup order). */
  find(ref: string): NetworkState | undefined {
    if (NAME_RE.test(ref)) {
      const byName = this.tryRead(ref);
      if (byName) return byName;
    }
    const all = this.list();
    const exact = all.find((n) => n.id === ref);
    if (exact) return exact;
    const pre = all.filter((n) => ref.length >= 1 && n.id.startsWith(ref));
    if (pre.length > 1) throw conflict(`network ${ref} is ambiguous (${pre.length} matches found based on ID prefix)`);
    return pre[0];
  }

  get(ref: string): NetworkState {
    const n = this.find(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  save(n: NetworkState): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeJsonAtomic(this.file(n.name), n);
  }

  delete(name: string): void {
    fs.rmSync(this.file(name), { force: true });
  }

  /** Build (not save) a new network's state; call inside locked(). */
  plan(opts: CreateOptions, isDefault = false): NetworkState {
    if (!NAME_RE.test(opts.name)) throw invalidArgument(`invalid network name "${opts.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (!isDefault && RESERVED.has(opts.name)) throw invalidArgument(`network name ${opts.name} is reserved (it is a predefined network mode)`);
    if (this.tryRead(opts.name)) throw alreadyExists(`network with name ${opts.name} already exists`);
    const others = this.list();
    const subnet = opts.subnet ? checkSubnet(opts.subnet, others) : pickSubnet(others, isDefault, this.root);
    const sn = ip.parseSubnet(subnet);
    let gateway = ip.formatIp(ip.firstHost(sn));
    if (opts.gateway) {
      const g = ip.parseIp(opts.gateway);
      if (!ip.isHost(sn, g)) throw invalidArgument(`invalid gateway ${opts.gateway}: not a host address of subnet ${subnet}`);
      gateway = ip.formatIp(g);
    }
    const id = crypto.randomBytes(32).toString('hex');
    return {
      name: opts.name,
      id,
      driver: 'bridge',
      bridge: opts.bridge ?? (isDefault ? defaultBridgeFor(this.root) : `berth${id.slice(0, 10)}`),
      subnet,
      gateway,
      internal: opts.internal ?? false,
      ...(isDefault ? {} : { userSubnet: !!opts.subnet }),
      isDefault,
      labels: opts.labels ?? {},
      created: new Date().toISOString(),
      endpoints: {},
    };
  }
}

function collides(s: ip.Subnet, nets: NetworkState[]): string | undefined {
  for (const n of nets) if (ip.overlaps(s, ip.parseSubnet(n.subnet))) return `network ${n.name} (${n.subnet})`;
  for (const r of hostRoutes()) {
    if (ip.overlaps(s, { base: ip.parseIp(r.dest), prefix: r.prefix })) return `host route ${r.dest}/${r.prefix} dev ${r.dev}`;
  }
  return undefined;
}

function checkSubnet(subnet: string, nets: NetworkState[]): string {
  const s = ip.parseSubnet(subnet);
  const hit = collides(s, nets);
  if (hit) throw conflict(`invalid pool request: subnet ${subnet} overlaps with ${hit}`);
  return ip.formatSubnet(s);
}

function pickSubnet(nets: NetworkState[], isDefault: boolean, root: string): string {
  if (isDefault && path.resolve(root) === DEFAULT_ROOT) {
    for (const c of DEFAULT_SUBNETS) if (!collides(ip.parseSubnet(c), nets)) return c;
  } else if (isDefault) {
    // Start where the root's hash points, so concurrent roots rarely race for the same block.
    const pool = ip.parseSubnet(OTHER_ROOTS_POOL);
    const blocks = ip.size(pool) / 4096;
    const start = parseInt(rootHash(root).slice(0, 8), 16) % blocks;
    for (let i = 0; i < blocks; i++) {
      const s = { base: (pool.base + ((start + i) % blocks) * 4096) >>> 0, prefix: 20 };
      if (!collides(s, nets)) return ip.formatSubnet(s);
    }
  } else {
    const pool = ip.parseSubnet(USER_POOL);
    for (let i = 0; i < 256; i++) {
      const s = { base: (pool.base + i * 256) >>> 0, prefix: 24 };
      if (!collides(s, nets)) return ip.formatSubnet(s);
    }
  }
  throw conflict('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

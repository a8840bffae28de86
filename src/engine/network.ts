/**
 * The one call site for container networking. Per `--network` mode:
 * - none: a new netns, lo brought up in the init's beforeStart.
 * - bridge / a user network: a persistent netns (`<root>/netns/<id>`, created before the
 *   container, joined by every (re)start of the init, so a restart policy keeps the
 *   address), attached through src/network's connectContainer (veth, IPAM, ports, DNS,
 *   rate limit); the /etc files the spec bind-mounts are rewritten in place.
 * - host: no netns; the host's /etc files.
 * - container:<name|id>: join that container's netns; share its /etc files.
 * Loaded lazily: `--network none` never imports the network layer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { failedPrecondition, invalidArgument } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import type { RunFlags } from './runFlags.js';
import type { ContainerRecord } from './types.js';
import { createNetnsAsync } from '../sys/netns.js';
import { hasPidNetns, pidNetns } from '../sys/pidNetns.js';
import { dnsFlagsOf, extraHostsText, refreshEtcFiles, writeInPlace } from './containerEtc.js';
export { dnsFlagsOf } from './containerEtc.js';
import type { NetworkState } from '../network/types.js';
import { attachConnected } from './networkConnect.js';
import { netModeOf, netnsFile, networkFile, networkNameOf } from './networkMode.js';

export interface EndpointSettings {
  NetworkID: string;
  EndpointID?: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Aliases?: string[] | null;
}

export interface NetworkSettings {
  Networks: Record<string, EndpointSettings>;
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
}

export function readNetworkSettings(store: ContainerStore, id: string): NetworkSettings | undefined {
  try {
    return JSON.parse(fs.readFileSync(networkFile(store, id), 'utf8')) as NetworkSettings;
  } catch {
    return undefined;
  }
}

/** The networks' state files (`<root>/networks/*.json`), read directly: inspect stays synchronous and light. */
function networkStates(root: string): NetworkState[] {
  const dir = path.join(root, 'networks');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch {
    return [];
  }
  const out: NetworkState[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as NetworkState);
    } catch { /* being replaced or removed */ }
  }
  return out;
}

/**
 * inspect's NetworkSettings.Networks, in Docker's shape: every network the container is
 * configured for (its primary one, then those it was connected to), filled from the live
 * endpoints (empty addresses while it is not attached), plus any other live endpoint.
 */
export function networksOf(store: ContainerStore, rec: ContainerRecord): Record<string, DockerEndpoint> {
  const nets = networkStates(store.root);
  const byName = new Map(nets.map((n) => [n.name, n]));
  const wanted: [string, { Aliases?: string[]; IPv4Address?: string; NetworkID?: string }][] = [];
  if (netModeOf(rec) === 'network') wanted.push([networkNameOf(rec), { Aliases: rec.NetworkExtras?.Aliases, IPv4Address: rec.NetworkExtras?.IPv4Address }]);
  for (const [name, c] of Object.entries(rec.ConnectedNetworks ?? {})) wanted.push([name, c]);
  for (const n of nets) if (n.endpoints[rec.Id] && !wanted.some(([w]) => w === n.name)) wanted.push([n.name, {}]);
  const out: Record<string, DockerEndpoint> = {};
  for (const [name, c] of wanted) {
    const n = byName.get(name);
    const ep = n?.endpoints[rec.Id];
    const aliases = ep?.aliases.length ? ep.aliases : c.Aliases?.length ? c.Aliases : undefined;
    out[name] = {
      IPAMConfig: c.IPv4Address ? { IPv4Address: c.IPv4Address } : null, Links: null, Aliases: aliases ? [...aliases] : null,
      MacAddress: ep?.mac ?? '', NetworkID: n?.id ?? c.NetworkID ?? '', EndpointID: ep?.hostIfname ?? '',
      Gateway: ep && n ? n.gateway : '', IPAddress: ep?.ip ?? '', IPPrefixLen: ep && n ? Number(n.subnet.split('/')[1]) : 0,
      IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DriverOpts: null,
    };
  }
  return out;
}

/** One entry of inspect's NetworkSettings.Networks (Docker's EndpointSettings). */
export interface DockerEndpoint extends EndpointSettings {
  IPAMConfig: { IPv4Address: string } | null;
  Links: null;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DriverOpts: null;
}

/** Docker's PORTS column: `127.0.0.1:8080->80/tcp, 53/udp`. */
export function portsColumn(store: ContainerStore, rec: ContainerRecord, running: boolean): string {
  const s = running ? readNetworkSettings(store, rec.Id) : undefined;
  const out: string[] = [];
  const ports = s?.Ports ?? {};
  for (const [key, binds] of Object.entries(ports)) {
    if (!binds?.length) out.push(key);
    else for (const b of binds) out.push(`${b.HostIp || '0.0.0.0'}:${b.HostPort}->${key}`);
  }
  return out.join(', ');
}

/** `-p` values and `-P` (the image's exposed ports) -> the record's Publish list and Docker's PortBindings. */
export async function publishRequests(publish: string[], publishAllPorts: boolean, exposed: string[]): Promise<{ publish: string[]; bindings: Record<string, { HostIp: string; HostPort: string }[]> }> {
  const all = [...publish, ...(publishAllPorts ? exposed : [])];
  if (!all.length) return { publish: [], bindings: {} };
  const net = await import('../network/index.js');
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of all) {
    for (const s of net.parsePublish(p)) {
      const key = `${s.containerPort}/${s.protocol}`;
      (bindings[key] ??= []).push({ HostIp: s.hostIp, HostPort: s.hostStart ? (s.hostEnd > s.hostStart ? `${s.hostStart}-${s.hostEnd}` : String(s.hostStart)) : '' });
    }
  }
  return { publish: all, bindings };
}

/** `--network-alias`, `--ip`, `--network-rate`, checked at create (only a network may have them). */
export async function validateNetworkExtras(rec: ContainerRecord, root: string): Promise<void> {
  const x = rec.NetworkExtras;
  if (!x || (!x.Aliases?.length && !x.IPv4Address && !x.Rate)) return;
  if (netModeOf(rec) !== 'network') throw invalidArgument('network-scoped aliases, --ip and --network-rate are only supported for bridge and user-defined networks');
  if (x.Aliases?.length && networkNameOf(rec) === 'bridge') throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  if (x.IPv4Address && networkNameOf(rec) === 'bridge') throw invalidArgument('user specified IP address is supported on user defined networks only');
  if (x.IPv4Address) {
    const { NetworkStore } = await import('../network/NetworkStore.js');
    const n = new NetworkStore(root).find(networkNameOf(rec));
    if (n?.userSubnet === false) throw invalidArgument('user specified IP address is supported only when connecting to networks with user configured subnets');
  }
  const net = await import('../network/index.js');
  net.validateNetworkRequest({ network: networkNameOf(rec), ip: x.IPv4Address, rate: x.Rate });
}

/**
 * Before the spec is built: what the container's network namespace is. Undefined for
 * `host` (no netns) and `none` (a fresh one); a path to join otherwise. Creates the
 * persistent netns of a bridged container.
 */
export async function prepareNetns(store: ContainerStore, rec: ContainerRecord): Promise<string | undefined> {
  const mode = netModeOf(rec);
  if (mode === 'network') {
    const t0 = performance.now();
    // Spawned now (a static import: no await before it), so the helper runs while the spec's inputs
    // are gathered. The network layer loads later, in setupNetwork, while the runtime clones.
    const file = await createNetnsAsync(netnsFile(store, rec.Id));
    timing('netns created', t0);
    return file;
  }
  if (mode === 'container') return peerNetns(store, rec);
  return undefined;
}

/** container:<ref>: the other container's persistent netns, or its running init's. */
async function peerNetns(store: ContainerStore, rec: ContainerRecord): Promise<string> {
  const ref = networkNameOf(rec).slice('container:'.length);
  const other = store.find(ref);
  if (other.Id === rec.Id) throw invalidArgument('cannot join own network namespace');
  const own = netnsFile(store, other.Id);
  if (netModeOf(other) === 'network' && fs.existsSync(own)) return own;
  const pid = await runningPid(store, other);
  if (!pid) throw failedPrecondition(`cannot join network namespace of a non running container: container ${other.Id} is not running`);
  return pidNetns(pid);
}

async function runningPid(store: ContainerStore, rec: ContainerRecord): Promise<number | undefined> {
  const { liveState } = await import('./containerState.js');
  const st = liveState(store, rec);
  return st.Running && st.Pid && hasPidNetns(st.Pid) ? st.Pid : undefined;
}


/** createContainer's beforeStart: the init exists (pid), nothing has run yet. */
export async function setupNetwork(store: ContainerStore, rec: ContainerRecord, pid: number, netns?: string): Promise<void> {
  const t0 = performance.now();
  try {
    await setupNetworkOf(store, rec, pid, netns);
  } finally {
    timing(`network ${networkNameOf(rec)} set up`, t0);
  }
  if (rec.ConnectedNetworks && Object.keys(rec.ConnectedNetworks).length) {
    await attachConnected(store, rec, netns ?? pidNetns(pid));
    await refreshEtcFiles(store, rec);
  } else if (rec.HostConfig.ExtraHosts?.length) {
    const file = path.join(store.dir(rec.Id), 'hosts');
    writeInPlace(file, (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '') + await extraHostsText(store, rec));
  }
  if (rec.HostConfig.Links?.length) await appendLinks(store, rec);
}

/** `--link` entries after the hosts file the network wrote (engine/links.ts). */
async function appendLinks(store: ContainerStore, rec: ContainerRecord): Promise<void> {
  const [{ linkHostLines }, { liveState }] = await Promise.all([import('./links.js'), import('./containerState.js')]);
  const network = networkNameOf(rec);
  const lines = linkHostLines(rec, network, (name) => {
    const t = store.find(name);
    return { rec: t, running: liveState(store, t).Running, ip: readNetworkSettings(store, t.Id)?.Networks[network]?.IPAddress || networksOf(store, t)[network]?.IPAddress || undefined };
  });
  const file = path.join(store.dir(rec.Id), 'hosts');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  writeInPlace(file, text + lines);
}

/** BERTH_TIMING=1: how long the network steps took (bench/network reads these). */
function timing(what: string, t0: number): void {
  if (process.env.BERTH_TIMING) process.stderr.write(`berth: ${what} in ${(performance.now() - t0).toFixed(1)} ms\n`);
}

async function setupNetworkOf(store: ContainerStore, rec: ContainerRecord, pid: number, netns?: string): Promise<void> {
  const mode = netModeOf(rec);
  const cdir = store.dir(rec.Id);
  if (mode === 'none') return; // the helper brought lo up in the new namespace (plan op lo_up)
  if (mode === 'container') {
    const other = store.find(networkNameOf(rec).slice('container:'.length));
    for (const f of ['hosts', 'resolv.conf']) {
      const src = path.join(store.dir(other.Id), f);
      if (fs.existsSync(src)) writeInPlace(path.join(cdir, f), fs.readFileSync(src, 'utf8'));
    }
    return;
  }
  // Started before the runtime's helper (networkStarter, pid 0): let createContainer spawn the helper
  // first, so its clone and mounts overlap this attach (and the network layer's loading).
  if (pid === 0) await new Promise((r) => setImmediate(r));
  const net = await import('../network/index.js');
  const req = {
    root: store.root, containerId: rec.Id, name: rec.Name.replace(/^\//, ''), hostname: rec.Config.Hostname,
    network: networkNameOf(rec), aliases: rec.NetworkExtras?.Aliases, ip: rec.NetworkExtras?.IPv4Address, rate: rec.NetworkExtras?.Rate,
    publish: (rec.Publish ?? []), dns: rec.HostConfig.Dns, mac: rec.NetworkExtras?.MacAddress,
  };
  if (mode === 'network') await net.disconnectContainer(store.root, rec.Id).catch(() => undefined);
  const r = await net.connectContainer(req, mode === 'network' && netns ? netns : pid);
  if (r.files) {
    writeInPlace(path.join(cdir, 'hosts'), r.files.hosts);
    writeInPlace(path.join(cdir, 'resolv.conf'), net.applyDnsFlags(r.files.resolvConf, dnsFlagsOf(rec), mode === 'network' && networkNameOf(rec) !== 'bridge'));
    if (mode === 'network') writeInPlace(path.join(cdir, 'hostname'), r.files.hostname);
  }
  if (!r.attach) return;
  const a = r.attach;
  const settings: NetworkSettings = {
    Networks: { [a.network]: { NetworkID: a.networkId, EndpointID: a.hostIfname, IPAddress: a.ip, IPPrefixLen: a.prefixLen, Gateway: a.gateway, MacAddress: a.mac, Aliases: rec.NetworkExtras?.Aliases?.length ? [...rec.NetworkExtras.Aliases] : null } },
    Ports: portsOf(rec, a.ports),
  };
  const { writeJsonAtomic } = await import('../sys/atomicWrite.js');
  // Atomic, not durable: rewritten at every start and removed at stop, it describes a live attachment
  // that a crash ends anyway (an fsync here cost the start up to several ms on a busy disk).
  writeJsonAtomic(networkFile(store, rec.Id), settings, false);
}

/** Docker's NetworkSettings.Ports: every exposed/published port; null when not bound. */
function portsOf(rec: ContainerRecord, mapped: { hostIp: string; hostPort: number; containerPort: number; protocol: string }[]): NetworkSettings['Ports'] {
  const out: NetworkSettings['Ports'] = {};
  for (const k of Object.keys(rec.Config.ExposedPorts ?? {})) out[k.includes('/') ? k : `${k}/tcp`] = null;
  for (const p of mapped) (out[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  return out;
}

/** system prune: endpoints of containers that no longer exist (or crashed) are detached; leftover netns files removed. */
export async function reconcileNetworks(store: ContainerStore, isRunning: (rec: ContainerRecord) => boolean): Promise<string[]> {
  const dir = path.join(store.root, 'networks');
  const nsDir = path.join(store.root, 'netns');
  if (!fs.existsSync(dir) && !fs.existsSync(nsDir)) return [];
  const recs = new Map(store.list().map((r) => [r.Id, r]));
  const net = await import('../network/index.js');
  const report = await net.reconcile(store.root, (id) => {
    const r = recs.get(id);
    return !!r && isRunning(r);
  });
  if (fs.existsSync(nsDir)) {
    const { removeNetns } = await import('../sys/netns.js');
    for (const id of fs.readdirSync(nsDir)) if (!recs.has(id)) removeNetns(path.join(nsDir, id));
  }
  for (const d of report.detached) fs.rmSync(networkFile(store, d.slice(d.indexOf('/') + 1)), { force: true });
  return report.detached;
}

/** create: `--expose`, `-p`/`-P`, `--network-alias`, `--ip`, `--network-rate` -> the record (validated, nothing applied). */
export async function applyNetworkFlags(rec: ContainerRecord, f: RunFlags, root: string): Promise<void> {
  const mode = netModeOf(rec);
  if (f.expose?.length) {
    const ports = rec.Config.ExposedPorts ?? {};
    for (const e of f.expose) for (const k of expandExpose(e)) ports[k] = {};
    rec.Config.ExposedPorts = ports;
  }
  const mac = f.macAddress ? checkMac(f.macAddress) : undefined;
  if (mac && mode === 'container') throw invalidArgument('conflicting options: mac-address and the network mode');
  if (mac) rec.Config.MacAddress = mac;
  const extras = { Aliases: f.networkAlias?.length ? [...f.networkAlias] : undefined, IPv4Address: f.ip || undefined, Rate: f.networkRate || undefined, MacAddress: mode === 'network' ? mac : undefined };
  if (extras.Aliases || extras.IPv4Address || extras.Rate || extras.MacAddress) rec.NetworkExtras = extras;
  if (f.link?.length && mode === 'host') throw invalidArgument("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
  if (f.link?.length && mode === 'container') throw invalidArgument("conflicting options: container type network can't be used with links");
  await validateNetworkExtras(rec, root);
  if (mode === 'container' && rec.HostConfig.ExtraHosts?.length) throw invalidArgument('conflicting options: custom host-to-IP mapping and the network mode');
  const hc = rec.HostConfig;
  if (mode === 'container' && (hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length)) throw invalidArgument('conflicting options: dns and the network mode');
  if (mode === 'network' && networkNameOf(rec) !== 'bridge') {
    const { NetworkStore } = await import('../network/NetworkStore.js');
    rec.HostConfig.NetworkMode = new NetworkStore(root).get(networkNameOf(rec)).name;
  }
  if ((f.publish.length || f.publishAll) && mode === 'network') {
    const p = await publishRequests(f.publish, !!f.publishAll, Object.keys(rec.Config.ExposedPorts ?? {}));
    rec.Publish = p.publish;
    rec.HostConfig.PortBindings = p.bindings;
  }
}

/** `--mac-address`: six hex octets (Docker's wording), kept lower case. */
function checkMac(v: string): string {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "--mac-address" flag: ${v} is not a valid mac address`);
  return v.toLowerCase().replace(/-/g, ':');
}

/** `--expose 80`, `8000-8002/udp` -> `80/tcp`, `8000/udp`, ... */
function expandExpose(v: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(v.trim());
  if (!m) throw invalidArgument(`invalid range format for --expose: ${v}`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  if (lo < 1 || hi > 65535 || hi < lo) throw invalidArgument(`invalid range format for --expose: ${v}`);
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${m[3] ?? 'tcp'}`);
  return out;
}

/**
 * createContainer's beforeStart for `rec`. A bridged container's netns exists already, so its
 * attach starts now and overlaps the runtime's work (clone, mounts, cgroups); the hook waits
 * for it, so the /etc files are in place before the init execs. Call after the spec's /etc
 * files are written.
 */
export function networkStarter(store: ContainerStore, rec: ContainerRecord, netns: string | undefined): (pid: number) => Promise<void> {
  if (!netns || netModeOf(rec) !== 'network') return (pid) => setupNetwork(store, rec, pid, netns);
  const attaching = setupNetwork(store, rec, 0, netns);
  attaching.catch(() => undefined); // reported through the hook; never an unhandled rejection if the runtime fails first
  return () => attaching;
}

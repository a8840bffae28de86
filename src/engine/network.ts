/**
 * The one call site for container networking, run between the init's creation and its
 * exec (createContainer's beforeStart): `none` brings lo up; `bridge`/user networks attach
 * through src/network (veth, IPAM, ports, DNS) and write the /etc files the spec bind-mounts;
 * `host` shares the host's stack and files. Loaded lazily: `--network none` never imports
 * the network layer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord } from './types.js';

export type NetMode = 'none' | 'host' | 'network';

export function netModeOf(rec: ContainerRecord): NetMode {
  const m = rec.HostConfig.NetworkMode;
  if (m === 'none') return 'none';
  if (m === 'host') return 'host';
  if (m.startsWith('container:')) throw invalidArgument(`network mode ${m} is not supported yet`);
  return 'network';
}

export interface NetworkSettings {
  Networks: Record<string, { NetworkID: string; IPAddress: string; IPPrefixLen: number; Gateway: string; MacAddress: string }>;
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
}

export function networkFile(store: ContainerStore, id: string): string {
  return path.join(store.dir(id), 'network.json');
}

export function readNetworkSettings(store: ContainerStore, id: string): NetworkSettings | undefined {
  try {
    return JSON.parse(fs.readFileSync(networkFile(store, id), 'utf8')) as NetworkSettings;
  } catch {
    return undefined;
  }
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

export async function setupNetwork(store: ContainerStore, rec: ContainerRecord, pid: number): Promise<void> {
  const mode = netModeOf(rec);
  if (mode === 'host') {
    const { hostModeFiles } = await import('../network/index.js');
    const f = hostModeFiles();
    const cdir = store.dir(rec.Id);
    fs.writeFileSync(path.join(cdir, 'hosts'), f.hosts);
    fs.writeFileSync(path.join(cdir, 'resolv.conf'), f.resolvConf);
    return;
  }
  const netns = `/proc/${pid}/ns/net`;
  if (mode === 'none') {
    const { ipBatch } = await import('../sys/netExec.js');
    ipBatch(['link set lo up'], netns);
    return;
  }
  const net = await import('../network/index.js');
  await net.detachContainer({ root: store.root, containerId: rec.Id }).catch(() => undefined);
  const ports = (rec.Publish ?? []).flatMap((p) => net.parsePublish(p));
  const name = rec.HostConfig.NetworkMode === 'default' ? 'bridge' : rec.HostConfig.NetworkMode;
  const r = await net.attachContainer({ root: store.root, containerId: rec.Id, name: rec.Name.replace(/^\//, ''), netnsPath: netns, network: name, ports, hostname: rec.Config.Hostname });
  const cdir = store.dir(rec.Id);
  fs.writeFileSync(path.join(cdir, 'hosts'), r.files.hosts);
  fs.writeFileSync(path.join(cdir, 'hostname'), r.files.hostname);
  fs.writeFileSync(path.join(cdir, 'resolv.conf'), r.files.resolvConf);
  const settings: NetworkSettings = {
    Networks: { [r.network]: { NetworkID: r.networkId, IPAddress: r.ip, IPPrefixLen: r.prefixLen, Gateway: r.gateway, MacAddress: r.mac } },
    Ports: Object.fromEntries(r.ports.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) }]])),
  };
  fs.writeFileSync(networkFile(store, rec.Id), JSON.stringify(settings));
}

/** Release the container's addresses and port rules (rm; the veth died with the netns). */
export async function teardownNetwork(store: ContainerStore, rec: ContainerRecord): Promise<void> {
  if (netModeOf(rec) !== 'network' && !fs.existsSync(networkFile(store, rec.Id))) return;
  const net = await import('../network/index.js');
  await net.detachContainer({ root: store.root, containerId: rec.Id }).catch(() => undefined);
}

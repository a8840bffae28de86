import { pidNetns } from '../sys/pidNetns.js';
import { applyNetOps } from '../sys/netExec.js';
import { attachContainer, detachContainer } from './attach.js';
import { hostModeFiles } from './hostMode.js';
import { parseNetworkMode, type NetworkMode } from './modes.js';
import { parsePublish, publishAll, type PortSpec } from './ports.js';
import { parseNetworkRate } from './rateFlag.js';
import type { AttachResult } from './types.js';

/** What `run`/`create` flags say about a container's network (Docker's flags, unparsed). */
export interface ContainerNetworkRequest {
  root: string;
  containerId: string;
  name: string;
  hostname?: string;
  /** `--network`: bridge (default), none, host, container:<id>, or a user network. */
  network?: string;
  /** `-p` values. */
  publish?: string[];
  /** `-P`: publish every `exposed` port on a random host port. */
  publishAll?: boolean;
  /** The image's ExposedPorts keys (`80/tcp`) plus `--expose`. */
  exposed?: string[];
  /** `--network-alias`. */
  aliases?: string[];
  /** `--ip`. */
  ip?: string;
  /** `--network-rate`. */
  rate?: string;
  /** `--dns`: where the embedded DNS forwards this container's queries (instead of the network's upstreams). */
  dns?: string[];
  /** `--mac-address`: the container side's address (default: 02:42 + the IPv4 address). */
  mac?: string;
}

/** Check the flags without touching anything (for `create`): throws InvalidArgument. */
export function validateNetworkRequest(r: Omit<ContainerNetworkRequest, 'root' | 'containerId' | 'name'>): { mode: NetworkMode; ports: PortSpec[] } {
  const mode = parseNetworkMode(r.network);
  const ports = [...(r.publish ?? []).flatMap(parsePublish), ...(r.publishAll ? publishAll(r.exposed ?? []) : [])];
  if (r.rate) parseNetworkRate(r.rate);
  // Docker discards published ports for host/none/container: modes (with a warning).
  return { mode, ports: mode.kind === 'network' ? ports : [] };
}

/**
 * The engine's one call, between the init's creation (pid known, nothing run yet) and its
 * exec (or, with a persistent netns file, before it exists): set up the container's network per its mode. Returns the /etc files to write into
 * the container (undefined for container:<id>, which shares the other container's).
 */
export async function connectContainer(req: ContainerNetworkRequest, target: number | string): Promise<{ mode: NetworkMode; attach?: AttachResult; files?: AttachResult['files'] }> {
  const { mode, ports } = validateNetworkRequest(req);
  // A pid (the init's own netns) or a persistent netns file (`<root>/netns/<id>`).
  const netnsPath = typeof target === 'number' ? pidNetns(target) : target;
  if (mode.kind === 'host') return { mode, files: hostModeFiles() };
  if (mode.kind === 'container') return { mode };
  if (mode.kind === 'none') {
    await applyNetOps([{ kind: 'ip', netns: netnsPath, cmd: 'link set lo up' }]);
    return { mode };
  }
  const attach = await attachContainer({
    root: req.root,
    containerId: req.containerId,
    name: req.name,
    aliases: req.aliases,
    netnsPath,
    network: mode.name,
    ports,
    hostname: req.hostname,
    ip: req.ip,
    dns: req.dns,
    mac: req.mac,
    rate: req.rate ? parseNetworkRate(req.rate) : undefined,
  });
  return { mode, attach, files: attach.files };
}

/** On stop/rm: leave every network (veth, port rules, address, DNS records). Idempotent. */
export async function disconnectContainer(root: string, containerId: string, opts: { keepLinks?: boolean } = {}): Promise<void> {
  await detachContainer({ root, containerId, keepLinks: opts.keepLinks });
}

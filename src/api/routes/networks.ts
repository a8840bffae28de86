/** /networks: what `berth network` calls (src/network, src/engine/networkConnect.ts), in Docker's shapes. */
import { describe, invalidArgument, isBerthError } from '../../errors.js';
import { inspectJson } from '../../cli/network/format.js';
import { connectNetwork, disconnectFromNetwork } from '../../engine/networkConnect.js';
import { createNetwork, ensureDefaultNetwork, NetworkStore, pruneNetworks, removeNetwork, type NetworkState } from '../../network/index.js';
import { DEFAULT_NETWORK } from '../../network/NetworkStore.js';
import { badRequest, HttpError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { Router } from '../router.js';

function filtersOf(x: Exchange): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of x.filters()) {
    const i = f.indexOf('=');
    m.set(f.slice(0, i), [...(m.get(f.slice(0, i)) ?? []), f.slice(i + 1)]);
  }
  return m;
}

function labelMatch(labels: Record<string, string> | undefined, want: string): boolean {
  const [k, ...v] = want.split('=');
  return !!labels && k in labels && (v.length === 0 || labels[k] === v.join('='));
}

/** Docker's network filters: driver, id, label, name, scope, type (custom|builtin), dangling. */
function networkFilter(x: Exchange): (n: NetworkState) => boolean {
  const preds: ((n: NetworkState) => boolean)[] = [];
  for (const [k, vals] of filtersOf(x)) {
    if (k === 'driver') preds.push((n) => vals.includes(n.driver));
    else if (k === 'id') preds.push((n) => vals.some((v) => n.id.startsWith(v)));
    else if (k === 'name') preds.push((n) => vals.some((v) => n.name.includes(v)));
    else if (k === 'label') preds.push((n) => vals.every((v) => labelMatch(n.labels, v)));
    else if (k === 'scope') preds.push(() => vals.includes('local'));
    else if (k === 'type') preds.push((n) => vals.some((v) => (v === 'builtin') === !!n.isDefault));
    else if (k === 'dangling') preds.push((n) => vals.some((v) => (Object.keys(n.endpoints).length === 0 && !n.isDefault) === (v === 'true' || v === '1')));
    else throw invalidArgument(`invalid filter '${k}'`);
  }
  return (n) => preds.every((p) => p(n));
}

async function list(x: Exchange): Promise<void> {
  await ensureDefaultNetwork(x.ctx.root);
  const keep = networkFilter(x);
  x.sendJson(200, new NetworkStore(x.ctx.root).list().filter(keep).map(inspectJson));
}

async function inspect(x: Exchange): Promise<void> {
  if (x.params.id === DEFAULT_NETWORK) await ensureDefaultNetwork(x.ctx.root);
  x.sendJson(200, inspectJson(new NetworkStore(x.ctx.root).get(x.params.id)));
}

interface CreateBody {
  Name?: string; Driver?: string; Internal?: boolean; Labels?: Record<string, string>; EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] };
}

async function create(x: Exchange): Promise<void> {
  const b = await x.json<CreateBody>();
  if (!b || typeof b !== 'object' || !b.Name || typeof b.Name !== 'string') throw badRequest('network name is required');
  const driver = b.Driver || 'bridge';
  if (driver !== 'bridge') throw new HttpError(404, `plugin "${driver}" not found`);
  if (b.EnableIPv6) throw invalidArgument('IPv6 networks are not supported by berth');
  const cfg = b.IPAM?.Config ?? [];
  if (cfg.length > 1) throw invalidArgument('berth networks take one IPAM subnet');
  if (cfg[0]?.Gateway && !cfg[0]?.Subnet) throw invalidArgument('a gateway needs a subnet');
  if (new NetworkStore(x.ctx.root).find(b.Name)?.name === b.Name) throw new HttpError(409, `network with name ${b.Name} already exists`);
  const labels = Object.fromEntries(Object.entries(b.Labels ?? {}).map(([k, v]) => [k, String(v)]));
  const n = await createNetwork(x.ctx.root, { name: b.Name, subnet: cfg[0]?.Subnet, gateway: cfg[0]?.Gateway, internal: !!b.Internal, labels });
  x.sendJson(201, { Id: n.id, Warning: '' });
}

/** dockerd answers a network it will not remove (in use, predefined) with 403. */
async function remove(x: Exchange): Promise<void> {
  try {
    await removeNetwork(x.ctx.root, x.params.id);
  } catch (e) {
    if (isBerthError(e, 'FailedPrecondition')) throw new HttpError(403, describe(e));
    throw e;
  }
  x.noContent();
}

async function connect(x: Exchange): Promise<void> {
  const b = await x.json<{ Container?: string; EndpointConfig?: { Aliases?: string[]; IPAMConfig?: { IPv4Address?: string } } }>();
  if (!b?.Container) throw badRequest('container is required');
  new NetworkStore(x.ctx.root).get(x.params.id); // 404 for the network before the container's
  await connectNetwork(x.ctx.store, b.Container, x.params.id, { aliases: b.EndpointConfig?.Aliases ?? undefined, ip: b.EndpointConfig?.IPAMConfig?.IPv4Address || undefined });
  x.send(200, '');
}

async function disconnect(x: Exchange): Promise<void> {
  const b = await x.json<{ Container?: string; Force?: boolean }>();
  if (!b?.Container) throw badRequest('container is required');
  new NetworkStore(x.ctx.root).get(x.params.id);
  await disconnectFromNetwork(x.ctx.store, b.Container, x.params.id, { force: !!b.Force });
  x.send(200, '');
}

async function prune(x: Exchange): Promise<void> {
  x.sendJson(200, { NetworksDeleted: await pruneNetworks(x.ctx.root) });
}

export function register(r: Router): void {
  r.add('GET', '/networks', list);
  r.add('POST', '/networks/create', create);
  r.add('POST', '/networks/prune', prune);
  r.add('GET', '/networks/{id}', inspect);
  r.add('DELETE', '/networks/{id}', remove);
  r.add('POST', '/networks/{id}/connect', connect);
  r.add('POST', '/networks/{id}/disconnect', disconnect);
}

/**
 * /containers/...: each handler translates Docker's request, calls the engine function the
 * CLI's verb calls, and answers in Docker's shape. Streams (attach, logs, wait, stats) are
 * in containerStreams.ts; archive, export and changes in containerFiles.ts.
 */
import { createContainer } from '../../engine/createContainer.js';
import { liveState } from '../../engine/containerState.js';
import { inspectContainer } from '../../engine/inspect.js';
import { commandText, listContainers, networkNames, reapAutoRemoved, type PsEntry } from '../../engine/listContainers.js';
import { readNetworkSettings } from '../../engine/network.js';
import { createRequestFrom, type CreateBody } from '../containerConfig.js';
import { startForApi } from '../containerLifecycle.js';
import { badRequest } from '../errors.js';
import { shapeForVersion } from '../version.js';
import type { Exchange } from '../exchange.js';
import type { Router } from '../router.js';
import { registerContainerFiles } from './containerFiles.js';
import { registerContainerStreams } from './containerStreams.js';

type Port = { IP?: string; PrivatePort: number; PublicPort?: number; Type: string };

function portsOf(x: Exchange, e: PsEntry): Port[] {
  const out: Port[] = [];
  const published = e.state.Running ? readNetworkSettings(x.ctx.store, e.rec.Id)?.Ports ?? {} : {};
  const keys = new Set([...Object.keys(e.rec.Config.ExposedPorts ?? {}), ...Object.keys(published)]);
  for (const k of keys) {
    const [port, type = 'tcp'] = k.split('/');
    const binds = (published as Record<string, { HostIp: string; HostPort: string }[] | null>)[k];
    if (!binds?.length) out.push({ PrivatePort: Number(port), Type: type });
    for (const b of binds ?? []) out.push({ IP: b.HostIp || '0.0.0.0', PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

/** Docker's container summary (GET /containers/json). */
async function summary(x: Exchange, e: PsEntry, size: boolean): Promise<Record<string, unknown>> {
  const { rec, state } = e;
  const { statusText } = await import('../../engine/containerState.js');
  const { networksOf } = await import('../../engine/network.js');
  const s: Record<string, unknown> = {
    Id: rec.Id, Names: [rec.Name], Image: rec.Config.Image, ImageID: rec.Image, Command: commandText(rec, false).slice(1, -1),
    Created: Math.floor(Date.parse(rec.Created) / 1000), Ports: portsOf(x, e), Labels: rec.Config.Labels ?? {},
    State: state.Status, Status: statusText(state, Date.now()),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode || 'bridge' },
    NetworkSettings: { Networks: state.Running ? networksOf(x.ctx.store, rec) : Object.fromEntries(networkNames(rec).map((n) => [n, {}])) },
    Mounts: rec.Mounts.map((m) => ({ Type: m.Type, Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: m.Driver ?? '', Mode: m.Mode, RW: m.RW, Propagation: m.Propagation })),
  };
  if (size) {
    const [{ containerSizes }, { ImageStore }] = await Promise.all([import('../../engine/containerSize.js'), import('../../image/ImageStore.js')]);
    const sz = containerSizes(x.ctx.store, rec, new ImageStore(x.ctx.store.root));
    s.SizeRw = sz.rw;
    s.SizeRootFs = sz.rootFs;
  }
  return s;
}

async function list(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  await reapAutoRemoved(store);
  const limit = x.int('limit');
  const entries = listContainers(store, { all: x.bool('all'), last: limit !== undefined && limit > 0 ? limit : undefined, filters: x.filters() });
  const size = x.bool('size');
  x.sendJson(200, (await Promise.all(entries.map((e) => summary(x, e, size)))).map((d) => shapeForVersion('containerList', x.version, d)));
}

async function create(x: Exchange): Promise<void> {
  const body = await x.json<CreateBody>();
  if (!body) throw badRequest('Config cannot be empty in order to create a container');
  const warnings: string[] = [];
  const req = createRequestFrom(body, { name: x.query('name'), platform: x.query('platform') }, warnings);
  // dockerd never pulls at create: its 404 "No such image" makes the client pull and create again.
  req.flags.pull = 'never';
  const rec = await createContainer(x.ctx.store, req);
  x.sendJson(201, { Id: rec.Id, Warnings: warnings });
}

async function inspect(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const out = inspectContainer(store, rec);
  if (x.bool('size')) {
    const [{ containerSizes }, { ImageStore }] = await Promise.all([import('../../engine/containerSize.js'), import('../../image/ImageStore.js')]);
    const sz = containerSizes(store, rec, new ImageStore(store.root));
    Object.assign(out, { SizeRw: sz.rw, SizeRootFs: sz.rootFs });
  }
  x.sendJson(200, shapeForVersion('containerInspect', x.version, structuredClone(out) as Record<string, unknown>));
}

async function start(x: Exchange): Promise<void> {
  const started = await startForApi(x.ctx, x.params.id);
  x.noContent(started ? 204 : 304);
}

/** `t` (seconds; -1 waits forever) and `signal`, as `stop -t -s`. */
async function stop(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  if (!liveState(store, rec).Running) return x.noContent(304);
  const { stopContainer } = await import('../../engine/stopContainer.js');
  await stopContainer(store, rec.Id, x.int('t') ?? x.int('timeout'), x.query('signal') || undefined);
  x.noContent();
}

async function restart(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const { stopContainer } = await import('../../engine/stopContainer.js');
  await stopContainer(store, rec.Id, x.int('t') ?? x.int('timeout'), x.query('signal') || undefined);
  await startForApi(x.ctx, rec.Id);
  x.noContent();
}

async function kill(x: Exchange): Promise<void> {
  const { killContainer } = await import('../../engine/stopContainer.js');
  await killContainer(x.ctx.store, x.params.id, x.query('signal') || undefined);
  x.noContent();
}

async function remove(x: Exchange): Promise<void> {
  if (x.bool('link')) throw badRequest('removing a legacy link is not supported by berth: remove the container or recreate it without --link');
  const { removeContainer } = await import('../../engine/removeContainer.js');
  await removeContainer(x.ctx.store, x.params.id, { force: x.bool('force'), volumes: x.bool('v') });
  x.noContent();
}

async function rename(x: Exchange): Promise<void> {
  const name = x.query('name');
  if (!name) throw badRequest('name cannot be empty');
  const { renameContainer } = await import('../../engine/renameContainer.js');
  renameContainer(x.ctx.store, x.params.id, name);
  x.noContent();
}

async function pause(x: Exchange, on: boolean): Promise<void> {
  const { pauseContainer } = await import('../../engine/pause.js');
  pauseContainer(x.ctx.store, x.params.id, on);
  x.noContent();
}

async function top(x: Exchange): Promise<void> {
  const { topContainer } = await import('../../engine/top.js');
  const args = (x.query('ps_args') ?? '').split(/\s+/).filter(Boolean);
  x.sendJson(200, topContainer(x.ctx.store, x.params.id, args));
}

/** Docker's update body -> `update`'s flags (0 means unchanged, as dockerd reads it). */
async function update(x: Exchange): Promise<void> {
  const b = (await x.json<Record<string, unknown>>()) ?? {};
  const n = (k: string) => (typeof b[k] === 'number' && b[k] !== 0 ? String(b[k]) : undefined);
  const rp = b.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined;
  const flags = {
    memory: n('Memory'), memorySwap: n('MemorySwap'), memoryReservation: n('MemoryReservation'),
    cpus: typeof b.NanoCpus === 'number' && b.NanoCpus ? String(b.NanoCpus / 1e9) : undefined,
    cpuShares: n('CpuShares'), cpuQuota: n('CpuQuota'), cpuPeriod: n('CpuPeriod'), pidsLimit: n('PidsLimit'), blkioWeight: n('BlkioWeight'),
    cpusetCpus: typeof b.CpusetCpus === 'string' && b.CpusetCpus ? b.CpusetCpus : undefined,
    cpusetMems: typeof b.CpusetMems === 'string' && b.CpusetMems ? b.CpusetMems : undefined,
    restart: rp?.Name ? (rp.Name === 'on-failure' && rp.MaximumRetryCount ? `on-failure:${rp.MaximumRetryCount}` : rp.Name) : undefined,
  };
  const { checkUpdateFlags, updateContainer } = await import('../../engine/updateContainer.js');
  checkUpdateFlags(flags);
  x.sendJson(200, { Warnings: updateContainer(x.ctx.store, x.params.id, flags) });
}

async function prune(x: Exchange): Promise<void> {
  const { pruneContainers } = await import('../../engine/prune.js');
  const r = await pruneContainers(x.ctx.store, x.filters());
  x.sendJson(200, { ContainersDeleted: r.deleted, SpaceReclaimed: r.reclaimed });
}

export function register(r: Router): void {
  r.add('GET', '/containers/json', list);
  r.add('POST', '/containers/create', create);
  r.add('POST', '/containers/prune', prune);
  r.add('GET', '/containers/{id}/json', inspect);
  r.add('POST', '/containers/{id}/start', start);
  r.add('POST', '/containers/{id}/stop', stop);
  r.add('POST', '/containers/{id}/restart', restart);
  r.add('POST', '/containers/{id}/kill', kill);
  r.add('DELETE', '/containers/{id}', remove);
  r.add('POST', '/containers/{id}/rename', rename);
  r.add('POST', '/containers/{id}/pause', (x) => pause(x, true));
  r.add('POST', '/containers/{id}/unpause', (x) => pause(x, false));
  r.add('GET', '/containers/{id}/top', top);
  r.add('POST', '/containers/{id}/update', update);
  registerContainerStreams(r);
  registerContainerFiles(r);
}

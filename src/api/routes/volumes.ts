/** /volumes: list, create, inspect, remove, prune over VolumeStore (what `berth volume` calls). */
import { invalidArgument } from '../../errors.js';
import { pruneVolumes } from '../../engine/prune.js';
import { VolumeStore, type Volume } from '../../engine/volumes.js';
import { badRequest } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { Router } from '../router.js';
import { volumeJson } from './events.js';

function labelMatch(labels: Record<string, string> | null, want: string): boolean {
  const [k, ...v] = want.split('=');
  return !!labels && k in labels && (v.length === 0 || labels[k] === v.join('='));
}

/** Docker's volume filters: dangling, name (substring), label, driver. */
function volumeFilter(x: Exchange, vs: VolumeStore): (v: Volume) => boolean {
  const preds: ((v: Volume) => boolean)[] = [];
  const byKey = new Map<string, string[]>();
  for (const f of x.filters()) {
    const i = f.indexOf('=');
    byKey.set(f.slice(0, i), [...(byKey.get(f.slice(0, i)) ?? []), f.slice(i + 1)]);
  }
  for (const [k, vals] of byKey) {
    if (k === 'dangling') preds.push((v) => vals.some((d) => (vs.users(v.Name, x.ctx.store).length === 0) === (d === 'true' || d === '1')));
    else if (k === 'name') preds.push((v) => vals.some((n) => v.Name.includes(n)));
    else if (k === 'label') preds.push((v) => vals.every((l) => labelMatch(v.Labels, l)));
    else if (k === 'driver') preds.push((v) => vals.includes(v.Driver));
    else throw invalidArgument(`invalid filter '${k}'`);
  }
  return (v) => preds.every((p) => p(v));
}

function list(x: Exchange): void {
  const vs = new VolumeStore(x.ctx.root);
  const keep = volumeFilter(x, vs);
  x.sendJson(200, { Volumes: vs.list().filter(keep).map(volumeJson), Warnings: [] });
}

async function create(x: Exchange): Promise<void> {
  const b = (await x.json<{ Name?: string; Driver?: string; Labels?: Record<string, string>; DriverOpts?: Record<string, string> }>()) ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('invalid volume create request');
  if (b.Driver && b.Driver !== 'local') throw invalidArgument(`volume driver "${b.Driver}" is not supported: only local`);
  if (b.DriverOpts && Object.keys(b.DriverOpts).length) throw invalidArgument('volume driver options are not supported by berth\'s local driver');
  const labels = b.Labels && typeof b.Labels === 'object' ? Object.fromEntries(Object.entries(b.Labels).map(([k, v]) => [k, String(v)])) : {};
  const { volume } = new VolumeStore(x.ctx.root).create(b.Name || undefined, labels);
  x.sendJson(201, volumeJson(volume));
}

function inspect(x: Exchange): void {
  x.sendJson(200, volumeJson(new VolumeStore(x.ctx.root).inspect(x.params.name)));
}

function remove(x: Exchange): void {
  new VolumeStore(x.ctx.root).remove(x.params.name, x.ctx.store, x.bool('force'));
  x.noContent();
}

/** API 1.42+: anonymous volumes only, unless the filter `all=true`. */
function prune(x: Exchange): void {
  const filters = x.filters();
  const all = filters.some((f) => f === 'all=true' || f === 'all=1');
  const r = pruneVolumes(x.ctx.store, all, filters.filter((f) => f.startsWith('label')));
  x.sendJson(200, { VolumesDeleted: r.deleted, SpaceReclaimed: r.reclaimed });
}

export function register(r: Router): void {
  r.add('GET', '/volumes', list);
  r.add('POST', '/volumes/create', create);
  r.add('POST', '/volumes/prune', prune);
  r.add('GET', '/volumes/{name}', inspect);
  r.add('DELETE', '/volumes/{name}', remove);
}

/**
 * The merged tree -> the normalised project: services (normalizeService.ts), networks and
 * volumes with their real names (`<project>_<key>`, or the key itself when external), the
 * `default` network for services that name none, references checked (depends_on, networks,
 * volumes), dependency cycles refused, unused networks and volumes left out. Pure but for
 * env_file reads.
 */
import { configError } from './configError.js';
import type { Lookup } from './interpolate.js';
import { isDict, listToMap, type Dict } from './merge.js';
import { normalizeService, sortKeys } from './normalizeService.js';
import type { NetworkConfig, ServiceConfig, VolumeConfig } from './types.js';
import { absPath } from './volumes.js';
import { toBool } from './units.js';

export interface NormalizeInput {
  name: string;
  dir: string;
  lookup: Lookup;
  model: Dict;
  /** Active profiles; services named here are enabled whatever their profiles. */
  profiles: string[];
  selected: string[];
}

export interface Normalized {
  model: Dict;
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  disabled: string[];
}

function isActive(name: string, svc: Dict, profiles: string[], selected: string[]): boolean {
  const p = Array.isArray(svc.profiles) ? svc.profiles.map(String) : [];
  return !p.length || selected.includes(name) || p.some((x) => profiles.includes(x) || profiles.includes('*'));
}

export function normalizeProject(i: NormalizeInput): Normalized {
  const rawServices = isDict(i.model.services) ? i.model.services : {};
  for (const s of i.selected) if (!isDict(rawServices[s])) throw configError(`no such service: ${s}`);
  const services: Record<string, ServiceConfig> = {};
  const disabled: string[] = [];
  for (const [name, raw] of Object.entries(rawServices)) {
    if (!isDict(raw)) throw configError(`services.${name} must be a mapping`);
    if (!isActive(name, raw, i.profiles, i.selected)) {
      disabled.push(name);
      continue;
    }
    services[name] = normalizeService(name, raw, { dir: i.dir, lookup: i.lookup }) as ServiceConfig;
  }
  checkDependencies(services, disabled);
  const networks = topNetworks(i.model.networks, i.name);
  const volumes = topVolumes(i.model.volumes, i.name);
  const usedNets = new Set<string>();
  const usedVols = new Set<string>();
  for (const [name, s] of Object.entries(services)) {
    for (const n of Object.keys(s.networks ?? {})) {
      if (n === 'default' && !networks.default) networks.default = { name: `${i.name}_default` };
      if (!networks[n]) throw configError(`service "${name}" refers to undefined network ${n}: invalid compose project`);
      usedNets.add(n);
    }
    for (const v of s.volumes ?? []) {
      if (v.type !== 'volume' || !v.source) continue;
      if (!volumes[v.source]) throw configError(`service "${name}" refers to undefined volume ${v.source}: invalid compose project`);
      usedVols.add(v.source);
    }
  }
  const nets = Object.fromEntries(Object.entries(networks).filter(([k]) => usedNets.has(k)));
  const vols = Object.fromEntries(Object.entries(volumes).filter(([k]) => usedVols.has(k)));
  const model: Dict = { name: i.name, services: sortKeys(services as Dict) };
  if (Object.keys(nets).length) model.networks = sortKeys(nets);
  if (Object.keys(vols).length) model.volumes = sortKeys(vols);
  for (const k of ['secrets', 'configs'] as const) if (isDict(i.model[k])) model[k] = fileResources(i.model[k] as Dict, i.name, i.dir);
  for (const [k, v] of Object.entries(i.model)) if (k.startsWith('x-')) model[k] = v;
  return { model, services, networks: nets, volumes: vols, disabled };
}

/** Every depends_on names an enabled service (or is `required: false`, then dropped); no cycles. */
function checkDependencies(services: Record<string, ServiceConfig>, disabled: string[]): void {
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
      if (services[dep]) continue;
      if (!d.required) {
        delete s.depends_on![dep];
        continue;
      }
      const why = disabled.includes(dep) ? ` (its profiles are not enabled)` : '';
      throw configError(`service "${name}" depends on undefined service "${dep}"${why}: invalid compose project`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, chain: string[]): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') throw configError(`dependency cycle detected: ${[...chain.slice(chain.indexOf(n)), n].join(' -> ')}`);
    state.set(n, 'visiting');
    for (const dep of Object.keys(services[n].depends_on ?? {})) visit(dep, [...chain, n]);
    state.set(n, 'done');
  };
  for (const n of Object.keys(services).sort()) visit(n, []);
}

function externalOf(v: Dict): { external: boolean; name?: string } {
  const e = v.external;
  if (isDict(e)) return { external: true, name: e.name === undefined ? undefined : String(e.name) };
  return { external: e === undefined ? false : toBool(e, 'external') };
}

function topNetworks(v: unknown, project: string): Record<string, NetworkConfig> {
  const out: Record<string, NetworkConfig> = {};
  for (const [k, raw] of Object.entries(isDict(v) ? v : {})) {
    const n: Dict = isDict(raw) ? { ...raw } : {};
    const ext = externalOf(n);
    const name = n.name !== undefined ? String(n.name) : ext.name ?? (ext.external ? k : `${project}_${k}`);
    delete n.external;
    const c: Dict = { ...n, name };
    if (ext.external) c.external = true;
    if (n.internal !== undefined) c.internal = toBool(n.internal, `networks.${k}.internal`);
    if (n.attachable !== undefined) c.attachable = toBool(n.attachable, `networks.${k}.attachable`);
    if (n.labels !== undefined) c.labels = listToMap(n.labels) as Record<string, string>;
    out[k] = sortKeys(c) as NetworkConfig;
  }
  return out;
}

function topVolumes(v: unknown, project: string): Record<string, VolumeConfig> {
  const out: Record<string, VolumeConfig> = {};
  for (const [k, raw] of Object.entries(isDict(v) ? v : {})) {
    const n: Dict = isDict(raw) ? { ...raw } : {};
    const ext = externalOf(n);
    const name = n.name !== undefined ? String(n.name) : ext.name ?? (ext.external ? k : `${project}_${k}`);
    delete n.external;
    const c: Dict = { ...n, name };
    if (ext.external) c.external = true;
    if (n.labels !== undefined) c.labels = listToMap(n.labels) as Record<string, string>;
    out[k] = sortKeys(c) as VolumeConfig;
  }
  return out;
}

function fileResources(v: Dict, project: string, dir: string): Dict {
  const out: Dict = {};
  for (const [k, raw] of Object.entries(v)) {
    const n: Dict = isDict(raw) ? { ...raw } : {};
    const ext = externalOf(n);
    delete n.external;
    const c: Dict = { ...n, name: n.name ?? (ext.external ? k : `${project}_${k}`) };
    if (ext.external) c.external = true;
    if (typeof n.file === 'string') c.file = absPath(n.file, dir);
    out[k] = sortKeys(c);
  }
  return sortKeys(out);
}

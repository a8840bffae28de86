/**
 * `extends:` — a service built on another one, from the same file or from `file:` (loaded
 * and interpolated the same way, its relative paths taken against its own directory), then
 * merged with the local definition by the merge rules. Cycles are refused.
 */
import path from 'node:path';
import { configError } from './configError.js';
import { isDict, mergeService, type Dict } from './merge.js';
import { rebaseService } from './normalizeService.js';

/** Reads and interpolates one compose file (the loader's per-file step). */
export type FileReader = (file: string) => Dict;

export function resolveExtends(model: Dict, file: string, read: FileReader): Dict {
  const services = isDict(model.services) ? model.services : {};
  const out: Dict = {};
  for (const name of Object.keys(services)) out[name] = resolveOne(file, name, services, read, []);
  return { ...model, services: out };
}

function resolveOne(file: string, name: string, services: Dict, read: FileReader, chain: string[]): Dict {
  const key = `${file}#${name}`;
  if (chain.includes(key)) throw configError(`circular reference with extends: ${[...chain, key].map((k) => k.split('#')[1]).join(' -> ')}`);
  const svc = services[name];
  if (!isDict(svc)) throw configError(`cannot extend service "${name}" in ${file}: service not found`);
  const ext = svc.extends;
  if (ext === undefined) return svc;
  const spec = typeof ext === 'string' ? { service: ext } : (ext as Dict);
  const baseName = String(spec.service);
  const { extends: _, ...local } = svc;
  let base: Dict;
  if (spec.file !== undefined) {
    const other = path.resolve(path.dirname(file), String(spec.file));
    const otherModel = read(other);
    const otherServices = isDict(otherModel.services) ? otherModel.services : {};
    if (!isDict(otherServices[baseName])) throw configError(`cannot extend service "${name}" in ${file}: service "${baseName}" not found in ${other}`);
    base = rebaseService(resolveOne(other, baseName, otherServices, read, [...chain, key]), path.dirname(other));
  } else {
    if (!isDict(services[baseName])) throw configError(`cannot extend service "${name}" in ${file}: service "${baseName}" not found`);
    base = resolveOne(file, baseName, services, read, [...chain, key]);
  }
  return mergeService(base, local);
}

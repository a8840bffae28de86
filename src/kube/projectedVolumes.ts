/**
 * `kube play` of `configMap` / `secret` volumes: the object's keys (or its `items`, key → path)
 * as files in a directory of the pod's (`<root>/pods/kube-volumes/<pod id>/`, removed with the
 * pod), bind-mounted read-only at the mountPath. Paths are checked (relative, no `..`, plain
 * characters) before anything is written; the directory is new, so nothing in it predates us.
 */
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../errors.js';
import { isObj, type KubeFile, type Obj } from './readKubeFile.js';

/** `source`: what generate turns back into the pod volume and its object (kept next to the files as `<dir>.json`). */
export interface ProjectedVolume { mountPath: string; files: [string, string][]; source: ProjectedSource }
export interface ProjectedSource { name: string; volume: Obj; object?: { kind: 'ConfigMap' | 'Secret'; name: string; data: Record<string, string> } }

const SEGMENT = /^[-._a-zA-Z0-9]+$/;

function checkPath(p: string, where: string): string {
  const segs = p.split('/');
  if (!p || p.length > 253 || p.startsWith('/') || segs.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) throw invalidArgument(`${where}: file path ${JSON.stringify(p)} must be relative, without '..', of letters, digits, '-', '_' and '.'`);
  return p;
}

/** A pod volume with `configMap` or `secret` -> its files and where they came from; undefined for other volume types. */
export function projectedVolume(v: Obj, file: KubeFile, where: string): { files: [string, string][]; source: ProjectedSource } | undefined {
  const files = projectedFiles(v, file, where);
  if (!files) return undefined;
  const isCm = isObj(v.configMap);
  const src = (isCm ? v.configMap : v.secret) as Obj;
  const name = String(isCm ? src.name : src.secretName);
  const data = (isCm ? file.configMaps : file.secrets).get(name);
  const { name: volName, ...volume } = v;
  return { files, source: { name: String(volName), volume, ...(data ? { object: { kind: isCm ? 'ConfigMap' : 'Secret', name, data } } : {}) } };
}

export function projectedFiles(v: Obj, file: KubeFile, where: string): [string, string][] | undefined {
  const isCm = isObj(v.configMap);
  if (!isCm && !isObj(v.secret)) return undefined;
  const src = (isCm ? v.configMap : v.secret) as Obj;
  const kind = isCm ? 'ConfigMap' : 'Secret';
  const name = isCm ? src.name : src.secretName;
  where = `${where}: volume ${String(v.name)}`;
  if (typeof name !== 'string' || !name) throw invalidArgument(`${where}: ${isCm ? 'configMap.name' : 'secret.secretName'} is required`);
  const data = (isCm ? file.configMaps : file.secrets).get(name);
  if (!data) {
    if (src.optional === true) return [];
    throw invalidArgument(`${where}: ${kind} ${name} is not in the file`);
  }
  let out: [string, string][];
  if (src.items !== undefined) {
    if (!Array.isArray(src.items)) throw invalidArgument(`${where}: items must be a list`);
    out = [];
    for (const it of src.items) {
      if (!isObj(it) || typeof it.key !== 'string' || typeof it.path !== 'string') throw invalidArgument(`${where}: items need a key and a path`);
      if (!Object.hasOwn(data, it.key)) {
        if (src.optional === true) continue;
        throw invalidArgument(`${where}: ${kind} ${name} has no key ${it.key}`);
      }
      out.push([checkPath(it.path, where), data[it.key]]);
    }
  } else {
    out = Object.entries(data).map(([k, x]) => [checkPath(k, where), x]);
  }
  const seen = new Set<string>();
  for (const [p] of out) {
    if ([...seen].some((s) => s === p || s.startsWith(`${p}/`) || p.startsWith(`${s}/`))) throw invalidArgument(`${where}: file path ${p} is given twice`);
    seen.add(p);
  }
  return out;
}

export function projectedRoot(root: string, podId: string): string {
  return path.join(root, 'pods', 'kube-volumes', podId);
}

/** Writes one volume's files into a new directory `<projectedRoot>/<key>`; returns it. */
export function writeProjected(root: string, podId: string, key: string, v: ProjectedVolume): string {
  const dir = path.join(projectedRoot(root, podId), key);
  const files = v.files;
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.writeFileSync(`${dir}.json`, JSON.stringify(v.source), { flag: 'wx', mode: 0o600 });
  for (const [p, text] of files) {
    const f = path.join(dir, p);
    fs.mkdirSync(path.dirname(f), { recursive: true, mode: 0o755 });
    fs.writeFileSync(f, text, { flag: 'wx', mode: 0o644 });
  }
  return dir;
}

/** The source kept for a bind mount's directory when it is one of play's (else undefined). */
export function readProjectedSource(root: string, source: string): ProjectedSource | undefined {
  if (path.dirname(path.dirname(source)) !== path.join(root, 'pods', 'kube-volumes')) return undefined;
  try {
    const s = JSON.parse(fs.readFileSync(`${source}.json`, 'utf8')) as ProjectedSource;
    return typeof s?.name === 'string' && isObj(s.volume) ? s : undefined;
  } catch {
    return undefined;
  }
}

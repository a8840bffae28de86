/**
 * Service `volumes:` short syntax (`[source:]target[:mode]`) and long syntax into the
 * normalised long form: `{type, source, target, read_only, bind: {create_host_path},
 * volume: {}, tmpfs: {size}}`; relative bind sources against the project directory. Pure.
 */
import os from 'node:os';
import path from 'node:path';
import { configError } from './configError.js';
import { isDict, type Dict } from './merge.js';
import { parseBytes, toBool } from './units.js';

export interface VolumeMount {
  type: 'volume' | 'bind' | 'tmpfs' | string;
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number; mode?: number };
}

const isPath = (s: string) => s.startsWith('.') || s.startsWith('/') || s.startsWith('~');

export function absPath(p: string, dir: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(dir, p);
}

export function parseShortVolume(spec: string, dir: string, where: string): VolumeMount {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw configError(`${where}: invalid volume specification: '${spec}'`);
  if (parts.length === 1) return { type: 'volume', target: parts[0], volume: {} };
  const [src, target, mode = ''] = parts;
  const opts = mode ? mode.split(',') : [];
  const ro = opts.includes('ro');
  const propagation = opts.find((o) => /^r?(shared|slave|private)$/.test(o));
  const selinux = opts.find((o) => o === 'z' || o === 'Z');
  for (const o of opts) if (!['ro', 'rw', 'nocopy', 'z', 'Z'].includes(o) && o !== propagation) throw configError(`${where}: invalid volume specification: '${spec}': unknown option ${o}`);
  if (isPath(src)) {
    return { type: 'bind', source: absPath(src, dir), target, ...(ro ? { read_only: true } : {}), bind: { ...(propagation ? { propagation } : {}), create_host_path: true, ...(selinux ? { selinux } : {}) } };
  }
  return { type: 'volume', source: src, target, ...(ro ? { read_only: true } : {}), volume: opts.includes('nocopy') ? { nocopy: true } : {} };
}

export function normalizeVolumes(v: unknown, dir: string, where: string): VolumeMount[] {
  return (Array.isArray(v) ? v : []).map((x, i) => {
    const at = `${where}[${i}]`;
    if (typeof x === 'string') return parseShortVolume(x, dir, at);
    if (!isDict(x)) throw configError(`${at}: invalid volume`);
    return longVolume(x, dir, at);
  });
}

function longVolume(x: Dict, dir: string, at: string): VolumeMount {
  const m: VolumeMount = { type: String(x.type), target: String(x.target ?? '') };
  if (x.source !== undefined && x.source !== '') m.source = m.type === 'bind' ? absPath(String(x.source), dir) : String(x.source);
  if (x.read_only !== undefined) {
    const ro = toBool(x.read_only, `${at}.read_only`);
    if (ro) m.read_only = true;
  }
  if (isDict(x.bind)) m.bind = { ...(x.bind as Dict), ...(x.bind.create_host_path !== undefined ? { create_host_path: toBool(x.bind.create_host_path, `${at}.bind.create_host_path`) } : {}) } as VolumeMount['bind'];
  if (isDict(x.volume)) m.volume = { ...(x.volume as Dict) } as VolumeMount['volume'];
  if (isDict(x.tmpfs)) m.tmpfs = { ...(x.tmpfs as Dict), ...(x.tmpfs.size !== undefined ? { size: parseBytes(x.tmpfs.size, `${at}.tmpfs.size`) } : {}) } as VolumeMount['tmpfs'];
  if (m.type === 'volume' && !m.volume) m.volume = {};
  if (!m.target) throw configError(`${at}: target is required`);
  return m;
}

/**
 * One service of the merged, interpolated YAML tree -> the normalised model docker compose
 * prints with `config`: lists where the spec allows strings (`command`, `entrypoint`,
 * `dns`, `tmpfs`, `env_file`), mappings where it allows lists (`environment`, `labels`,
 * `sysctls`, `networks`, `depends_on`), long syntax for `ports` and `volumes`, durations in
 * Go's form, byte sizes as byte counts, `env_file` read into `environment`, relative paths
 * made absolute. Pure but for reading `env_file`s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configError } from './configError.js';
import { parseDotEnv } from './dotenv.js';
import type { Lookup } from './interpolate.js';
import { isDict, listToMap, type Dict } from './merge.js';
import { normalizePorts } from './ports.js';
import { splitWords } from './shellwords.js';
import { formatDuration, parseBytes, parseDurationMs, toBool, toInt, toNumber } from './units.js';
import { absPath, normalizeVolumes } from './volumes.js';

export interface ServiceContext {
  /** The directory relative paths are taken against (the project directory). */
  dir: string;
  /** The project's environment (shell over `.env`), for bare `environment: [KEY]` and env_file interpolation. */
  lookup: Lookup;
}

const BOOLS = ['init', 'read_only', 'privileged', 'tty', 'stdin_open', 'oom_kill_disable'];
const INTS = ['pids_limit', 'oom_score_adj', 'cpu_shares', 'cpu_period', 'cpu_quota', 'cpu_count', 'cpu_percent', 'mem_swappiness', 'scale'];
const BYTES = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'];
const DURATIONS = ['stop_grace_period'];
const STRING_LISTS = ['dns', 'dns_search', 'dns_opt', 'tmpfs', 'cap_add', 'cap_drop', 'security_opt', 'expose', 'profiles', 'group_add', 'external_links', 'links', 'volumes_from', 'device_cgroup_rules'];
const STRING_MAPS = ['labels', 'sysctls', 'annotations'];

const str = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

export function normalizeService(name: string, raw: Dict, ctx: ServiceContext): Dict {
  const at = `services.${name}`;
  const s: Dict = {};
  for (const [k, v] of Object.entries(raw)) {
    const where = `${at}.${k}`;
    if (k === 'extends' || k === 'env_file' || k === 'label_file') continue;
    if (v === null || v === undefined) {
      if (k === 'networks' || k === 'depends_on') continue;
      s[k] = v;
    } else if (k === 'command' || k === 'entrypoint') s[k] = typeof v === 'string' ? splitWords(v, where) : (v as unknown[]).map(str);
    else if (BOOLS.includes(k)) s[k] = toBool(v, where);
    else if (INTS.includes(k)) s[k] = toInt(v, where);
    else if (k === 'cpus') s[k] = toNumber(v, where);
    else if (BYTES.includes(k)) s[k] = String(parseBytes(v, where));
    else if (DURATIONS.includes(k)) s[k] = formatDuration(parseDurationMs(v, where));
    else if (STRING_LISTS.includes(k)) s[k] = (Array.isArray(v) ? v : [v]).map(str);
    else if (STRING_MAPS.includes(k)) s[k] = stringMap(listToMap(v));
    else if (k === 'environment') continue; // below, with env_file
    else if (k === 'ports') s[k] = normalizePorts(v, where);
    else if (k === 'volumes') s[k] = normalizeVolumes(v, ctx.dir, where);
    else if (k === 'networks') s[k] = serviceNetworks(v);
    else if (k === 'depends_on') s[k] = dependsOn(v, where);
    else if (k === 'healthcheck') s[k] = healthcheck(v as Dict, where);
    else if (k === 'deploy') s[k] = deploy(v as Dict, where);
    else if (k === 'ulimits') s[k] = ulimits(v as Dict, where);
    else if (k === 'extra_hosts') s[k] = extraHosts(v);
    else if (k === 'build') s[k] = build(v, ctx.dir);
    else if (k === 'secrets' || k === 'configs') s[k] = (v as unknown[]).map((e) => (isDict(e) ? sortKeys({ ...e }) : { source: str(e) }));
    else s[k] = v;
  }
  const env = environment(raw, ctx, at);
  if (env) s.environment = env;
  if (s.networks === undefined && raw.network_mode === undefined) s.networks = { default: null };
  return sortKeys(s);
}

function stringMap(m: Dict): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, str(v)]));
}

/** env_file contents (in order), then `environment:` over them; a bare KEY from the project's environment, else null. */
function environment(raw: Dict, ctx: ServiceContext, at: string): Record<string, string | null> | undefined {
  if (raw.environment === undefined && raw.env_file === undefined) return undefined;
  const out: Record<string, string | null> = {};
  for (const f of envFiles(raw.env_file)) {
    const file = absPath(f.path, ctx.dir);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if (!f.required) continue;
      throw configError(`env file ${file} not found: stat ${file}: no such file or directory`, { cause: e });
    }
    Object.assign(out, parseDotEnv(text, file, ctx.lookup));
  }
  for (const [k, v] of Object.entries(listToMap(raw.environment ?? {}))) {
    out[k] = v === null || v === undefined ? ctx.lookup(k) ?? null : str(v);
  }
  void at;
  return out;
}

function envFiles(v: unknown): { path: string; required: boolean }[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((e) => (isDict(e) ? { path: str(e.path), required: e.required === undefined ? true : toBool(e.required, 'env_file.required') } : { path: str(e), required: true }));
}

function serviceNetworks(v: unknown): Dict {
  if (Array.isArray(v)) return Object.fromEntries(v.map((n) => [str(n), null]));
  const out: Dict = {};
  for (const [k, n] of Object.entries(v as Dict)) {
    if (!isDict(n)) {
      out[k] = null;
      continue;
    }
    const e: Dict = { ...n };
    if (e.aliases !== undefined) e.aliases = (e.aliases as unknown[]).map(str);
    if (e.priority !== undefined) e.priority = toInt(e.priority, `networks.${k}.priority`);
    out[k] = sortKeys(e);
  }
  return out;
}

function dependsOn(v: unknown, where: string): Dict {
  const out: Dict = {};
  if (Array.isArray(v)) {
    for (const n of v) out[str(n)] = { condition: 'service_started', required: true };
    return out;
  }
  for (const [k, d] of Object.entries(v as Dict)) {
    const e = isDict(d) ? d : {};
    out[k] = {
      condition: str(e.condition ?? 'service_started'),
      ...(e.restart !== undefined ? { restart: toBool(e.restart, `${where}.${k}.restart`) } : {}),
      required: e.required === undefined ? true : toBool(e.required, `${where}.${k}.required`),
    };
  }
  return out;
}

function healthcheck(v: Dict, where: string): Dict {
  const out: Dict = {};
  if (v.disable !== undefined && toBool(v.disable, `${where}.disable`)) return { test: ['NONE'] };
  for (const [k, x] of Object.entries(v)) {
    if (k === 'test') out.test = typeof x === 'string' ? ['CMD-SHELL', x] : (x as unknown[]).map(str);
    else if (['interval', 'timeout', 'start_period', 'start_interval'].includes(k)) out[k] = formatDuration(parseDurationMs(x, `${where}.${k}`));
    else if (k === 'retries') out.retries = toInt(x, `${where}.retries`);
    else if (k !== 'disable') out[k] = x;
  }
  return sortKeys(out);
}

function resources(v: Dict, where: string): Dict {
  const out: Dict = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'cpus') out.cpus = toNumber(x, `${where}.cpus`);
    else if (k === 'memory') out.memory = String(parseBytes(x, `${where}.memory`));
    else if (k === 'pids') out.pids = toInt(x, `${where}.pids`);
    else out[k] = x;
  }
  return out;
}

function deploy(v: Dict, where: string): Dict {
  const out: Dict = { ...v };
  if (v.replicas !== undefined && v.replicas !== null) out.replicas = toInt(v.replicas, `${where}.replicas`);
  if (isDict(v.resources)) {
    const r: Dict = { ...v.resources };
    if (isDict(r.limits)) r.limits = resources(r.limits, `${where}.resources.limits`);
    if (isDict(r.reservations)) r.reservations = resources(r.reservations, `${where}.resources.reservations`);
    out.resources = r;
  }
  if (v.labels !== undefined) out.labels = stringMap(listToMap(v.labels));
  return sortKeys(out);
}

function ulimits(v: Dict, where: string): Dict {
  const out: Dict = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = isDict(x) ? { soft: toInt(x.soft, `${where}.${k}.soft`), hard: toInt(x.hard, `${where}.${k}.hard`) } : toInt(x, `${where}.${k}`);
  }
  return out;
}

function extraHosts(v: unknown): string[] {
  if (isDict(v)) return Object.entries(v).flatMap(([h, ip]) => (Array.isArray(ip) ? ip : [ip]).map((i) => `${h}=${str(i)}`));
  return (v as unknown[]).map((e) => str(e).replace(/^([^=:]+):(?!:)/, '$1='));
}

function build(v: unknown, dir: string): Dict {
  const b: Dict = isDict(v) ? { ...v } : { context: v };
  b.context = absPath(str(b.context ?? '.'), dir);
  if (b.dockerfile_inline === undefined) b.dockerfile ??= 'Dockerfile';
  if (b.args !== undefined) b.args = listToMap(b.args);
  return sortKeys(b);
}

/** Keys in alphabetical order (compose's struct order is nearly that; JSON readers do not care). */
export function sortKeys<T extends Dict>(d: T): T {
  return Object.fromEntries(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** The relative paths of a service defined in another file (extends `file:`), made absolute against that file's directory. */
export function rebaseService(svc: Dict, dir: string): Dict {
  const out: Dict = { ...svc };
  if (out.build !== undefined) {
    const b: Dict = isDict(out.build) ? { ...out.build } : { context: out.build };
    b.context = absPath(str(b.context ?? '.'), dir);
    out.build = b;
  }
  if (out.env_file !== undefined) {
    out.env_file = (Array.isArray(out.env_file) ? out.env_file : [out.env_file]).map((e) => (isDict(e) ? { ...e, path: absPath(str(e.path), dir) } : absPath(str(e), dir)));
  }
  if (Array.isArray(out.volumes)) {
    out.volumes = out.volumes.map((v) => {
      if (typeof v === 'string') {
        const [src, ...rest] = v.split(':');
        return rest.length && (src.startsWith('.') || src.startsWith('~')) ? [absPath(src, dir), ...rest].join(':') : v;
      }
      if (isDict(v) && v.type === 'bind' && typeof v.source === 'string') return { ...v, source: absPath(v.source, dir) };
      return v;
    });
  }
  void path;
  return out;
}

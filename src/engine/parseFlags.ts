import os from 'node:os';
import path from 'node:path';
/** Docker's flag syntaxes -> data. Pure; every error is one InvalidArgument line. */
import { invalidArgument } from '../errors.js';
import type { DeviceMapping, MountPoint, RestartPolicy, ThrottleDevice, Ulimit } from './types.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `512m`, `1g`, `1024` (bytes), `1.5g`. Docker's RAMInBytes. */
export function parseBytes(v: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw invalidArgument(`invalid ${flag} value "${v}": expected a size like 512m or 1g`);
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

/** --memory-swap: -1 means unlimited. */
export function parseSwap(v: string): number {
  return v.trim() === '-1' ? -1 : parseBytes(v, '--memory-swap');
}

export function parseCpus(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw invalidArgument(`invalid --cpus value "${v}": expected a number of CPUs like 1.5`);
  const cpus = os.availableParallelism();
  if (n !== 0 && (n < 0.01 || n > cpus)) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${cpus.toFixed(2)}, as there are only ${cpus} CPUs available`);
  }
  return Math.round(n * 1e9);
}

export function parseIntFlag(v: string, flag: string, min = -Infinity, max = Infinity): number {
  if (!/^-?\d+$/.test(v.trim())) throw invalidArgument(`invalid ${flag} value "${v}": expected an integer`);
  const n = Number(v);
  if (n < min || n > max) throw invalidArgument(`invalid ${flag} value "${v}": must be between ${min} and ${max}`);
  return n;
}

/** `-e K=V`, `-e K` (taken from our environment, dropped when unset). */
export function parseEnvArgs(list: readonly string[], hostEnv: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const e of list) {
    if (e === '' || e.startsWith('=')) throw invalidArgument(`invalid environment variable: ${e}`);
    if (e.includes('=')) out.push(e);
    else if (hostEnv[e] !== undefined) out.push(`${e}=${hostEnv[e]}`);
  }
  return out;
}

/** An --env-file's text: one K=V or K per line; `#` comments and blank lines skipped. */
export function parseEnvFile(text: string, file: string, hostEnv: NodeJS.ProcessEnv = process.env): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/^\s+/, '')).filter((l) => l && !l.startsWith('#'));
  for (const l of lines) if (/\s/.test(l.split('=')[0])) throw invalidArgument(`invalid env file ${file}: variable '${l.split('=')[0]}' contains whitespaces`);
  return parseEnvArgs(lines, hostEnv);
}

/** Later entries win, keeping the first position of each name (Docker's ReplaceOrAppendEnvValues). */
export function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const out = [...base];
  for (const e of over) {
    const k = e.split('=')[0];
    const i = out.findIndex((x) => x.split('=')[0] === k);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

/** `--label-file`: key=value lines (a bare key: empty value); blank lines and # comments skipped. */
export function parseLabelFile(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.replace(/^\s+/, '')).filter((l) => l && !l.startsWith('#'));
}

export function parseLabels(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const i = l.indexOf('=');
    if (i === 0 || l === '') throw invalidArgument(`invalid label: ${l}`);
    if (i < 0) out[l] = '';
    else out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

const NAMED_VOLUME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function checkDest(dest: string, spec: string): string {
  if (!dest.startsWith('/')) throw invalidArgument(`invalid volume specification: '${spec}': invalid mount config: mount path must be absolute`);
  if (dest === '/') throw invalidArgument(`invalid volume specification: '${spec}': invalid mount config: destination can't be '/'`);
  return dest.replace(/\/+$/, '') || '/';
}

/** `-v`: `/dst`, `name:/dst[:opts]`, `/src:/dst[:opts]`; opts ro|rw, z|Z (ignored), propagation. */
export function parseVolumeFlag(spec: string): MountPoint {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalidArgument(`invalid volume specification: '${spec}'`);
  let src = '';
  let dst: string;
  let opts: string[] = [];
  if (parts.length >= 2 && parts[0].startsWith('.')) parts[0] = relativeSource(parts[0]);
  if (parts.length === 1) dst = parts[0];
  else if (parts.length === 2 && parts[1].startsWith('/')) [src, dst] = parts;
  else if (parts.length === 2) {
    dst = parts[0];
    opts = parts[1].split(',');
  } else {
    [src, dst] = parts;
    opts = parts[2].split(',');
  }
  dst = checkDest(dst, spec);
  let rw = true;
  let propagation = '';
  for (const o of opts) {
    if (o === 'ro') rw = false;
    else if (o === 'rw') rw = true;
    else if (o === 'z' || o === 'Z' || o === 'nocopy') continue;
    else if (/^r?(shared|slave|private)$/.test(o)) propagation = o;
    else throw invalidArgument(`invalid volume specification: '${spec}': invalid mode: ${o}`);
  }
  const mode = opts.join(',');
  if (!src) return { Type: 'volume', Name: '', Source: '', Destination: dst, Driver: 'local', Mode: mode, RW: rw, Propagation: '', Anonymous: true };
  if (src.startsWith('/')) return { Type: 'bind', Source: src, Destination: dst, Mode: mode, RW: rw, Propagation: propagation || 'rprivate' };
  if (!NAMED_VOLUME.test(src)) throw invalidArgument(`invalid volume specification: '${spec}': "${src}" includes invalid characters for a local volume name`);
  return { Type: 'volume', Name: src, Source: '', Destination: dst, Driver: 'local', Mode: mode, RW: rw, Propagation: '' };
}

/** A bind source starting with `.` (Docker >= 23 for -v, >= 28.2 for --mount): against the caller's cwd, read at call time. */
function relativeSource(src: string): string {
  return src.startsWith('.') ? path.resolve(process.cwd(), src) : src;
}

/** `--mount type=bind|volume|tmpfs,source=,target=,readonly,tmpfs-size=,tmpfs-mode=`. */
export function parseMountFlag(spec: string): MountPoint {
  const kv = new Map<string, string>();
  for (const f of spec.split(',')) {
    const i = f.indexOf('=');
    kv.set((i < 0 ? f : f.slice(0, i)).trim().toLowerCase(), i < 0 ? 'true' : f.slice(i + 1));
  }
  const type = kv.get('type') ?? 'volume';
  const src = kv.get('source') ?? kv.get('src') ?? '';
  const dst = kv.get('target') ?? kv.get('destination') ?? kv.get('dst');
  if (!dst) throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: target is required`);
  const ro = ['readonly', 'ro'].some((k) => kv.has(k) && kv.get(k) !== 'false' && kv.get(k) !== '0');
  const target = checkDest(dst, spec);
  if (type === 'bind') {
    if (!src.startsWith('/') && !src.startsWith('.')) throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: bind source must be an absolute path`);
    return { Type: 'bind', Source: relativeSource(src), Destination: target, Mode: '', RW: !ro, Propagation: kv.get('bind-propagation') ?? 'rprivate' };
  }
  if (type === 'volume') {
    if (src && !NAMED_VOLUME.test(src)) throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: invalid volume name "${src}"`);
    return { Type: 'volume', Name: src, Source: '', Destination: target, Driver: 'local', Mode: 'z', RW: !ro, Propagation: '', Anonymous: !src || undefined };
  }
  if (type === 'tmpfs') {
    const o: string[] = [];
    if (kv.has('tmpfs-size')) o.push(`size=${parseBytes(kv.get('tmpfs-size')!, '--mount tmpfs-size')}`);
    if (kv.has('tmpfs-mode')) o.push(`mode=${kv.get('tmpfs-mode')}`);
    return { Type: 'tmpfs', Source: '', Destination: target, Mode: '', RW: !ro, Propagation: '', Options: o };
  }
  throw invalidArgument(`invalid argument "${spec}" for "--mount" flag: unsupported mount type "${type}"`);
}

/** `--tmpfs /run[:opts]` -> [dest, opts]. */
export function parseTmpfsFlag(spec: string): [string, string] {
  const i = spec.indexOf(':');
  const dst = checkDest(i < 0 ? spec : spec.slice(0, i), spec);
  return [dst, i < 0 ? '' : spec.slice(i + 1)];
}

/** `--ulimit nofile=1024[:2048]`. */
export function parseUlimit(spec: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (!m) throw invalidArgument(`invalid --ulimit "${spec}": expected name=soft[:hard]`);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (soft > hard && hard !== -1) throw invalidArgument(`invalid --ulimit "${spec}": soft limit ${soft} is greater than hard limit ${hard}`);
  return { Name: m[1], Soft: soft, Hard: hard };
}

export const ULIMIT_RESOURCES: Record<string, string> = {
  core: 'RLIMIT_CORE', cpu: 'RLIMIT_CPU', data: 'RLIMIT_DATA', fsize: 'RLIMIT_FSIZE', locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK', msgqueue: 'RLIMIT_MSGQUEUE', nice: 'RLIMIT_NICE', nofile: 'RLIMIT_NOFILE', nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS', rtprio: 'RLIMIT_RTPRIO', rttime: 'RLIMIT_RTTIME', sigpending: 'RLIMIT_SIGPENDING', stack: 'RLIMIT_STACK', as: 'RLIMIT_AS',
};

export function checkUlimitName(u: Ulimit): Ulimit {
  if (!ULIMIT_RESOURCES[u.Name]) throw invalidArgument(`invalid --ulimit: unknown resource "${u.Name}"`);
  return u;
}

/** `--sysctl k=v`. */
export function parseSysctl(spec: string): [string, string] {
  const i = spec.indexOf('=');
  if (i <= 0) throw invalidArgument(`invalid --sysctl "${spec}": expected key=value`);
  return [spec.slice(0, i), spec.slice(i + 1)];
}

/** `--device /dev/x[:/dev/y][:rwm]`. */
export function parseDevice(spec: string): DeviceMapping {
  const p = spec.split(':');
  const isPerm = (s: string) => /^[rwm]{1,3}$/.test(s);
  let host = p[0];
  let inside = p[0];
  let perms = 'rwm';
  if (p.length === 2) {
    if (isPerm(p[1])) perms = p[1];
    else inside = p[1];
  } else if (p.length === 3) {
    inside = p[1];
    perms = p[2];
  } else if (p.length > 3) throw invalidArgument(`invalid --device "${spec}"`);
  if (!host.startsWith('/') || !inside.startsWith('/') || !isPerm(perms)) throw invalidArgument(`invalid --device "${spec}"`);
  host = host.replace(/\/+$/, '');
  return { PathOnHost: host, PathInContainer: inside, CgroupPermissions: perms };
}

/** `--device-cgroup-rule 'c 1:3 rwm'` (a|b|c, major:minor with `*`, r/w/m) -> an OCI device rule; -1: any. */
export function parseDeviceCgroupRule(v: string): { allow: true; type: 'a' | 'b' | 'c'; major: number; minor: number; access: string } {
  const m = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(v.trim());
  if (!m) throw invalidArgument(`invalid argument "${v}" for "--device-cgroup-rule" flag: invalid device cgroup format '${v}'`);
  const num = (s: string) => (s === '*' ? -1 : Number(s));
  return { allow: true, type: m[1] as 'a' | 'b' | 'c', major: num(m[2]), minor: num(m[3]), access: m[4] };
}

/** `--device-read-bps /dev/sda:1mb`. */
export function parseThrottle(spec: string, flag: string): ThrottleDevice {
  const i = spec.lastIndexOf(':');
  if (i <= 0 || !spec.startsWith('/')) throw invalidArgument(`invalid ${flag} "${spec}": expected <device-path>:<rate>`);
  return { Path: spec.slice(0, i), Rate: parseBytes(spec.slice(i + 1), flag) };
}

/** `--restart no|always|unless-stopped|on-failure[:N]`. */
export function parseRestart(spec: string | undefined): RestartPolicy {
  if (!spec || spec === 'no') return { Name: 'no', MaximumRetryCount: 0 };
  const [name, n, extra] = spec.split(':');
  if (extra !== undefined) throw invalidArgument(`invalid restart policy format: ${spec}`);
  if (name === 'on-failure') return { Name: 'on-failure', MaximumRetryCount: n === undefined ? 0 : parseIntFlag(n, '--restart', 0) };
  if (name === 'always' || name === 'unless-stopped') {
    if (n !== undefined) throw invalidArgument(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
    return { Name: name, MaximumRetryCount: 0 };
  }
  throw invalidArgument(`invalid restart policy format: unknown policy "${name}"`);
}

/** Go durations as Docker's health flags take them: `30s`, `1m30s`, `500ms` -> ns. */
export function parseDuration(v: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const mult: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let seen = '';
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * mult[m[2]];
    seen += m[0];
  }
  if (v === '0') return 0;
  if (!seen || seen !== v) throw invalidArgument(`invalid ${flag} value "${v}": expected a duration like 30s`);
  return Math.round(total);
}

/** The log drivers berth has: json-file (the default), local (the same rotating file, other defaults), none. */
export type LogDriver = 'json-file' | 'local' | 'none';

const LOG_OPTS: Record<LogDriver, string[]> = {
  'json-file': ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-size', 'max-file', 'compress'],
  none: [],
};

/** `--log-driver`: Docker's words for one it does not have. */
export function parseLogDriver(v: string | undefined): LogDriver {
  const d = v === undefined || v === '' ? 'json-file' : v;
  if (d !== 'json-file' && d !== 'local' && d !== 'none') throw invalidArgument(`logger: no log driver named '${d}' is registered`);
  return d;
}

/**
 * `--log-opt max-size=10m max-file=3` -> bytes and count. json-file: berth's defaults 10m x 3 are
 * written into the config (as before); local: Docker's 20m x 5, applied without being recorded.
 * `compress` is accepted and kept, but rotated files stay uncompressed (the monitor does not gzip).
 */
export function parseLogOpts(list: readonly string[], driver: LogDriver = 'json-file'): { config: Record<string, string>; maxSize: number; maxFiles: number } {
  const config: Record<string, string> = {};
  for (const o of list) {
    const i = o.indexOf('=');
    if (i <= 0) throw invalidArgument(`invalid --log-opt "${o}": expected key=value`);
    const k = o.slice(0, i);
    if (!LOG_OPTS[driver].includes(k)) throw invalidArgument(`unknown log opt '${k}' for ${driver} log driver`);
    config[k] = o.slice(i + 1);
  }
  if (driver === 'json-file') {
    config['max-size'] ??= '10m';
    config['max-file'] ??= '3';
  }
  if (driver === 'none') return { config, maxSize: 0, maxFiles: 1 };
  const size = config['max-size'] ?? '20m';
  const maxSize = size === '-1' ? 0 : parseBytes(size, '--log-opt max-size');
  const maxFiles = parseIntFlag(config['max-file'] ?? '5', '--log-opt max-file', 1);
  if (config.compress !== undefined && !['true', 'false', '1', '0'].includes(config.compress)) throw invalidArgument(`invalid value for log opt 'compress': ${config.compress}`);
  return { config, maxSize, maxFiles };
}

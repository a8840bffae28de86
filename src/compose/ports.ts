/**
 * `ports:` entries, short syntax (`[[ip:]published:]target[/protocol]`, ranges) and long
 * syntax, into the normalised long form docker compose prints:
 * `{mode: ingress, host_ip, target, published: "8080", protocol: tcp}`. Pure.
 */
import { configError } from './configError.js';
import { isDict } from './merge.js';
import { toInt } from './units.js';

export interface PortConfig {
  name?: string;
  mode: string;
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
  app_protocol?: string;
}

function range(s: string, where: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw configError(`${where}: invalid port "${s}"`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a || b > 65535) throw configError(`${where}: invalid port range "${s}"`);
  return [a, b];
}

export function parseShortPort(spec: string, where: string): PortConfig[] {
  let s = spec.trim();
  let protocol = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash >= 0) {
    protocol = s.slice(slash + 1);
    s = s.slice(0, slash);
  }
  let hostIp: string | undefined;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    hostIp = s.slice(1, end);
    s = s.slice(end + 2);
  }
  const parts = s.split(':');
  if (parts.length > 3) throw configError(`${where}: invalid port "${spec}"`);
  if (parts.length === 3) hostIp = parts.shift();
  const [pub, target] = parts.length === 2 ? parts : [undefined, parts[0]];
  const [t0, t1] = range(target, where);
  const base = { mode: 'ingress', ...(hostIp ? { host_ip: hostIp } : {}) };
  if (!pub) return seq(t0, t1).map((t) => ({ ...base, target: t, protocol }));
  const [p0, p1] = range(pub, where);
  if (t0 === t1) return [{ ...base, target: t0, published: p0 === p1 ? String(p0) : `${p0}-${p1}`, protocol }];
  if (p1 - p0 !== t1 - t0) throw configError(`${where}: invalid port "${spec}": the published and target ranges differ in size`);
  return seq(t0, t1).map((t, i) => ({ ...base, target: t, published: String(p0 + i), protocol }));
}

const seq = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export function normalizePorts(v: unknown, where: string): PortConfig[] {
  const out: PortConfig[] = [];
  (Array.isArray(v) ? v : []).forEach((p, i) => {
    const at = `${where}[${i}]`;
    if (typeof p === 'number') out.push({ mode: 'ingress', target: p, protocol: 'tcp' });
    else if (typeof p === 'string') out.push(...parseShortPort(p, at));
    else if (isDict(p)) {
      const e: PortConfig = { mode: String(p.mode ?? 'ingress'), target: toInt(p.target, `${at}.target`), protocol: String(p.protocol ?? 'tcp') };
      if (p.name !== undefined) e.name = String(p.name);
      if (p.host_ip !== undefined) e.host_ip = String(p.host_ip);
      if (p.published !== undefined && p.published !== null && p.published !== '') e.published = String(p.published);
      if (p.app_protocol !== undefined) e.app_protocol = String(p.app_protocol);
      out.push(order(e));
    }
  });
  return out;
}

/** compose-go's field order. */
function order(e: PortConfig): PortConfig {
  const keys: (keyof PortConfig)[] = ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'];
  return Object.fromEntries(keys.filter((k) => e[k] !== undefined).map((k) => [k, e[k]])) as unknown as PortConfig;
}

/** The `-p` value the engine takes for one entry. */
export function publishFlag(p: PortConfig): string {
  const host = p.host_ip ? (p.host_ip.includes(':') ? `[${p.host_ip}]:` : `${p.host_ip}:`) : '';
  return p.published ? `${host}${p.published}:${p.target}/${p.protocol}` : `${host ? host : ''}${host ? ':' : ''}${p.target}/${p.protocol}`;
}

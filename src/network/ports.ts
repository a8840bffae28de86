import { conflict, invalidArgument, unavailable } from '../errors.js';
import type { PortMapping, Protocol } from './types.js';
import { isIpv4 } from './subnet.js';

/**
 * `-p [ip:][hostPort:]containerPort[/proto]` and `-P`, with Docker's syntax and errors.
 * Pure: parsing and host-port assignment take the host's facts as arguments.
 */

/** One parsed `-p` item; host range [hostStart, hostEnd], 0 = pick a free port. */
export interface PortSpec {
  hostIp: string;
  hostStart: number;
  hostEnd: number;
  containerPort: number;
  protocol: Protocol;
}

function parseRange(s: string, what: 'containerPort' | 'hostPort'): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  const bad = () => invalidArgument(`invalid ${what}: ${s}`);
  if (!m) throw bad();
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || a > 65535 || b < 1 || b > 65535 || b < a) throw bad();
  return [a, b];
}

function parseProto(p: string): Protocol {
  const l = p.toLowerCase();
  if (l !== 'tcp' && l !== 'udp') throw invalidArgument(`invalid proto: ${p}`);
  return l;
}

/** Split `ip:host:container`; IPv6 in brackets is refused (berth networks are IPv4). */
function splitSpec(raw: string): { ipStr: string; host: string; ctr: string } {
  if (raw.startsWith('[')) throw invalidArgument(`invalid IP address: ${raw.slice(0, raw.indexOf(']') + 1)} (berth networks are IPv4 only)`);
  const parts = raw.split(':');
  if (parts.length === 1) return { ipStr: '', host: '', ctr: parts[0] };
  if (parts.length === 2) return { ipStr: '', host: parts[0], ctr: parts[1] };
  if (parts.length === 3) return { ipStr: parts[0], host: parts[1], ctr: parts[2] };
  throw invalidArgument(`invalid port specification: "${raw}"`);
}

/** Parse one `-p` value into one or more specs (ranges expand). */
export function parsePublish(value: string): PortSpec[] {
  const slash = value.lastIndexOf('/');
  const protocol: Protocol = slash >= 0 ? parseProto(value.slice(slash + 1)) : 'tcp';
  const spec = slash >= 0 ? value.slice(0, slash) : value;
  if (!spec) throw invalidArgument(`no port specified: ${value}<empty>`);
  const { ipStr, host, ctr } = splitSpec(spec);
  if (ipStr && !isIpv4(ipStr)) throw invalidArgument(`invalid IP address: ${ipStr}`);
  const hostIp = ipStr === '0.0.0.0' ? '' : ipStr;
  if (!ctr) throw invalidArgument(`no port specified: ${value}<empty>`);
  const [cs, ce] = parseRange(ctr, 'containerPort');
  const [hs, he] = host ? parseRange(host, 'hostPort') : [0, 0];
  const cn = ce - cs + 1;
  const hn = he - hs + 1;
  if (host && cn > 1 && hn !== cn) throw invalidArgument(`invalid ranges specified for container and host Ports: ${ctr} and ${host}`);
  const out: PortSpec[] = [];
  for (let i = 0; i < cn; i++) {
    if (!host) out.push({ hostIp, hostStart: 0, hostEnd: 0, containerPort: cs + i, protocol });
    else if (cn > 1) out.push({ hostIp, hostStart: hs + i, hostEnd: hs + i, containerPort: cs + i, protocol });
    else out.push({ hostIp, hostStart: hs, hostEnd: he, containerPort: cs, protocol });
  }
  return out;
}

/** `-P`: every exposed port (`80`, `80/tcp`, `53/udp`, `8000-8002/tcp`) on a random host port. */
export function publishAll(exposed: string[]): PortSpec[] {
  return exposed.flatMap((e) => parsePublish(e.includes(':') ? invalidExposed(e) : e));
}

function invalidExposed(e: string): never {
  throw invalidArgument(`invalid exposed port: ${e}`);
}

/** What the host already uses, so assignment can avoid it. */
export interface PortEnv {
  /** Mappings already held by other berth containers. */
  taken: PortMapping[];
  /** Host sockets listening now. */
  listening: { tcp: Set<number>; udp: Set<number> };
  /** Range for random host ports. */
  ephemeral: [number, number];
  /** [0,1) source for where a random port search starts; default Math.random. */
  random?: () => number;
}

const key = (ipAddr: string, port: number, proto: Protocol) => `${ipAddr}|${port}|${proto}`;

/** Turn specs into concrete mappings: fixed ports checked, random ones picked. */
export function assignHostPorts(specs: PortSpec[], env: PortEnv): PortMapping[] {
  const used = new Set(env.taken.map((m) => key(m.hostIp, m.hostPort, m.protocol)));
  const clash = (ipAddr: string, port: number, proto: Protocol): boolean => {
    if (env.listening[proto].has(port)) return true;
    if (used.has(key(ipAddr, port, proto)) || used.has(key('', port, proto))) return true;
    if (ipAddr === '') for (const u of used) if (u.endsWith(`|${port}|${proto}`)) return true;
    return false;
  };
  const out: PortMapping[] = [];
  for (const s of specs) {
    const [lo, hi] = s.hostStart === 0 ? env.ephemeral : [s.hostStart, s.hostEnd];
    // Random ports: start the search at a random place, so berth processes that cannot
    // see each other's choices (other roots) rarely collide.
    const n = hi - lo + 1;
    const start = s.hostStart === 0 ? Math.floor((env.random ?? Math.random)() * n) : 0;
    let chosen = 0;
    for (let i = 0; i < n && !chosen; i++) {
      const p = lo + ((start + i) % n);
      if (!clash(s.hostIp, p, s.protocol)) chosen = p;
    }
    if (!chosen) {
      if (s.hostStart === 0) throw unavailable(`no free host port for ${s.containerPort}/${s.protocol} in ${lo}-${hi}`);
      const where = `${s.hostIp || '0.0.0.0'}:${lo === hi ? lo : `${lo}-${hi}`}`;
      throw conflict(`Bind for ${where} failed: port is already allocated`);
    }
    used.add(key(s.hostIp, chosen, s.protocol));
    out.push({ hostIp: s.hostIp, hostPort: chosen, containerPort: s.containerPort, protocol: s.protocol });
  }
  return out;
}

/** `berth port` lines: `80/tcp -> 0.0.0.0:32768`. */
export function formatPort(m: PortMapping): string {
  return `${m.containerPort}/${m.protocol} -> ${m.hostIp || '0.0.0.0'}:${m.hostPort}`;
}

/** Content of a container's /etc/hosts, /etc/hostname, /etc/resolv.conf. Pure. */
import { invalidArgument } from '../errors.js';
import { isIpv4 } from './subnet.js';

const HOSTS_HEADER = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export function hostsFile(entries: { ip: string; names: string[] }[]): string {
  const lines = [...HOSTS_HEADER];
  for (const e of entries) if (e.names.length) lines.push(`${e.ip}\t${[...new Set(e.names)].join(' ')}`);
  return lines.join('\n') + '\n';
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const r: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const l = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (l[0] === 'nameserver' && l[1]) r.nameservers.push(l[1]);
    else if ((l[0] === 'search' || l[0] === 'domain') && l.length > 1) r.search = l.slice(1);
    else if (l[0] === 'options') r.options.push(...l.slice(1));
  }
  return r;
}

/** Docker's fallback when the host only has loopback resolvers a container cannot reach. */
export const FALLBACK_DNS = ['8.8.8.8', '8.8.4.4'];

const isLoopback = (ns: string) => ns.startsWith('127.') || ns === '::1';

/**
 * A container's resolv.conf: the network's DNS server when it has one (user networks),
 * else the host's resolvers without loopback ones (the default bridge).
 */
export function resolvConfFile(host: ResolvConf, dnsServer?: string): string {
  let ns: string[];
  if (dnsServer) ns = [dnsServer];
  else {
    ns = host.nameservers.filter((n) => !isLoopback(n) && !n.includes(':'));
    if (ns.length === 0) ns = FALLBACK_DNS;
  }
  const lines = ns.map((n) => `nameserver ${n}`);
  if (host.search.length) lines.push(`search ${host.search.join(' ')}`);
  if (host.options.length) lines.push(`options ${host.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** `--dns`, `--dns-search`, `--dns-option` as the record keeps them. */
export interface DnsFlags { servers: string[]; search: string[]; options: string[] }

/**
 * A resolv.conf with `--dns*` applied, as Docker: each given list replaces the file's
 * (`--dns-search .` means none). With an embedded DNS server (user networks) its nameserver
 * stays, and the --dns servers are where it forwards this container's other queries (noted
 * as Docker notes them: `# ExtServers: [...]`).
 */
export function applyDnsFlags(text: string, f: DnsFlags, embedded: boolean): string {
  if (!f.servers.length && !f.search.length && !f.options.length) return text;
  const r = parseResolvConf(text);
  const ns = f.servers.length && !embedded ? f.servers : r.nameservers;
  const search = f.search.length ? f.search.filter((d) => d !== '.') : r.search;
  const options = f.options.length ? f.options : r.options;
  const lines = ns.map((n) => `nameserver ${n}`);
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  if (embedded && f.servers.length) lines.push('', `# ExtServers: [${f.servers.join(' ')}]`);
  return lines.join('\n') + '\n';
}

/** `--dns` values: IP addresses (Docker's ValidateIPAddress wording). */
export function checkDnsServer(v: string): string {
  const s = v.trim();
  if (!isIpv4(s) && !/^[0-9a-fA-F:]+$/.test(s.replace(/^\[|\]$/g, ''))) throw invalidArgument(`invalid argument "${v}" for "--dns" flag: IP address is not correctly formatted: ${v}`);
  return s;
}

/** `--dns-search` values: domains, or `.` (Docker's ValidateDNSSearch). */
export function checkDnsSearch(v: string): string {
  const d = v.replace(/\.$/, '');
  if (v !== '.' && (d.length > 255 || !/^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(d))) {
    throw invalidArgument(`invalid argument "${v}" for "--dns-search" flag: ${v} is not a valid domain`);
  }
  return v;
}

/** Docker's special `--add-host` address: the gateway of the container's network. */
export const HOST_GATEWAY = 'host-gateway';

/**
 * One `--add-host` value, `host:ip` (or `host=ip`), with Docker's checks and wording;
 * `ip` may be IPv4, IPv6 (brackets allowed) or `host-gateway`.
 */
export function parseExtraHost(value: string): { host: string; ip: string } {
  const bad = (why: string) => invalidArgument(`invalid argument "${value}" for "--add-host" flag: ${why}`);
  const eq = value.indexOf('=');
  const sep = eq >= 0 ? eq : value.indexOf(':');
  const host = sep >= 0 ? value.slice(0, sep) : '';
  if (sep < 0 || !host) throw bad(`bad format for add-host: "${value}"`);
  let ip = value.slice(sep + 1);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== HOST_GATEWAY && !isIpv4(ip) && !isIpv6(ip)) throw bad(`invalid IP address in add-host: "${value.slice(sep + 1)}"`);
  return { host, ip };
}

function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const parts = s.split('::');
  if (parts.length > 2) return false;
  const groups = parts.flatMap((p) => (p ? p.split(':') : []));
  const last = groups[groups.length - 1];
  const v4 = last !== undefined && last.includes('.');
  if (v4 && !isIpv4(last)) return false;
  const hex = v4 ? groups.slice(0, -1) : groups;
  if (!hex.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const n = hex.length + (v4 ? 2 : 0);
  return parts.length === 2 ? n < 8 : n === 8;
}

/** `/etc/hosts` lines for `--add-host` values (validated), `host-gateway` as `gateway`. */
export function extraHostLines(values: string[], gateway: string | undefined): string {
  return values.map((v) => {
    const { host, ip } = parseExtraHost(v);
    return `${ip === HOST_GATEWAY ? gateway ?? '' : ip}\t${host}\n`;
  }).filter((l) => !l.startsWith('\t')).join('');
}

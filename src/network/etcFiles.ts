/** Content of a container's /etc/hosts, /etc/hostname, /etc/resolv.conf. Pure. */

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

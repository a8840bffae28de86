import fs from 'node:fs';

/** Read-only facts about the host's network, from /proc and /etc. */

/** Host IPv4 routes as [destination, prefix] in dotted form, with the device. */
export function hostRoutes(): { dest: string; prefix: number; dev: string }[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/))
    .map((f) => ({ dev: f[0], dest: leHex(f[1]), prefix: popcount(parseInt(f[7], 16)) }))
    .filter((r) => r.prefix > 0);
}

function leHex(h: string): string {
  const n = parseInt(h, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n >>> 0; x; x >>>= 1) c += x & 1;
  return c;
}

/** The host's /etc/resolv.conf text ('' when missing). */
export function hostResolvConf(file = '/etc/resolv.conf'): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function hostHostname(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
  } catch {
    return 'localhost';
  }
}

/** Ports something on the host listens on (TCP LISTEN, bound UDP), per protocol. */
export function hostListeningPorts(): { tcp: Set<number>; udp: Set<number> } {
  const read = (f: string, listenOnly: boolean) => {
    const s = new Set<number>();
    try {
      for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
        const c = line.trim().split(/\s+/);
        if (c.length < 4) continue;
        if (listenOnly && c[3] !== '0A') continue;
        s.add(parseInt(c[1].split(':')[1], 16));
      }
    } catch {
      /* no IPv6, or no /proc */
    }
    return s;
  };
  const tcp = new Set([...read('/proc/net/tcp', true), ...read('/proc/net/tcp6', true)]);
  const udp = new Set([...read('/proc/net/udp', false), ...read('/proc/net/udp6', false)]);
  return { tcp, udp };
}

/** The kernel's ephemeral port range (random host ports come from here). */
export function localPortRange(): [number, number] {
  try {
    const [a, b] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (a > 0 && b >= a) return [a, b];
  } catch {
    /* fall through */
  }
  return [32768, 60999];
}

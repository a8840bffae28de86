import { invalidArgument } from '../errors.js';

/** IPv4 arithmetic on 32-bit unsigned numbers. Pure; no I/O. */

export interface Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) throw invalidArgument(`invalid IPv4 address: ${s}`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) throw invalidArgument(`invalid IPv4 address: ${s}`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function isIpv4(s: string): boolean {
  try {
    parseIp(s);
    return true;
  } catch {
    return false;
  }
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parse `a.b.c.d/n`; host bits must be zero, like Docker requires. */
export function parseSubnet(s: string): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m) throw invalidArgument(`invalid subnet ${s}: expected CIDR notation like 10.213.0.0/24`);
  const prefix = Number(m[2]);
  if (prefix > 30 || prefix < 8) throw invalidArgument(`invalid subnet ${s}: prefix length must be between 8 and 30`);
  const ip = parseIp(m[1]);
  const base = (ip & mask(prefix)) >>> 0;
  if (base !== ip) throw invalidArgument(`invalid subnet ${s}: host bits set (did you mean ${formatIp(base)}/${prefix}?)`);
  return { base, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`;
}

export function size(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

export function contains(s: Subnet, ip: number): boolean {
  return ((ip & mask(s.prefix)) >>> 0) === s.base;
}

export function broadcast(s: Subnet): number {
  return (s.base + size(s) - 1) >>> 0;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(p)) >>> 0) === ((b.base & mask(p)) >>> 0);
}

/** The first usable host address (Docker's default gateway). */
export function firstHost(s: Subnet): number {
  return (s.base + 1) >>> 0;
}

/** Is ip a usable host address of s (not network, not broadcast)? */
export function isHost(s: Subnet, ip: number): boolean {
  return contains(s, ip) && ip !== s.base && ip !== broadcast(s);
}

/** `-H unix:///path` / `-H tcp://host:port` (dockerd's forms), checked before anything listens. */
import { invalidArgument } from '../errors.js';

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export const DEFAULT_SOCKET = '/run/berth/berth.sock';

export function parseListenAddress(h: string): ListenAddress {
  if (h.startsWith('unix://')) {
    const p = h.slice('unix://'.length);
    if (!p.startsWith('/')) throw invalidArgument(`invalid host ${h}: the socket path must be absolute`);
    return { kind: 'unix', path: p };
  }
  if (h.startsWith('/')) return { kind: 'unix', path: h };
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/]+):(\d+)\/?$/.exec(h);
  if (m && Number(m[2]) > 0 && Number(m[2]) < 65536) return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  throw invalidArgument(`invalid host ${h}: use unix:///path or tcp://HOST:PORT`);
}

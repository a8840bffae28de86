/**
 * An event as Docker sends it (`GET /events`, `docker events --format json`): both edges use
 * this one shape. `status`, `id` and `from` are the pre-1.22 fields Docker still fills for
 * container and image events.
 */
import type { BerthEvent } from './eventLog.js';

export interface DockerEventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export function dockerEventMessage(e: BerthEvent): DockerEventMessage {
  const legacy = e.type === 'container' || e.type === 'image'
    ? { status: e.action, id: e.id, ...(e.type === 'container' && e.attributes.image !== undefined ? { from: e.attributes.image } : {}) }
    : {};
  const nano = BigInt(e.timeNano);
  return {
    ...legacy, Type: e.type, Action: e.action, Actor: { ID: e.id, Attributes: e.attributes }, scope: 'local',
    time: Number(nano / 1000000000n), timeNano: Number(nano),
  };
}

/** The message as JSON, with timeNano's exact digits (beyond a double's 53 bits). */
export function dockerEventJson(e: BerthEvent): string {
  const m = dockerEventMessage(e);
  const text = JSON.stringify({ ...m, timeNano: 0 });
  return `${text.slice(0, -'0}'.length)}${e.timeNano}}`;
}

/** Go's RFC3339Nano with fixed nine digits, in the local zone as the docker CLI prints it. */
export function formatEventTime(timeNano: string): string {
  const nano = BigInt(timeNano);
  const ms = Number(nano / 1000000n);
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const local = new Date(ms + off * 60000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = String(nano % 1000000000n).padStart(9, '0');
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}T${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}.${frac}${zone}`;
}

/** docker events' default line: `TIME TYPE ACTION ID (k=v, ...)`, attributes sorted by key. */
export function formatEventLine(e: BerthEvent): string {
  const keys = Object.keys(e.attributes).sort();
  const attrs = keys.length ? ` (${keys.map((k) => `${k}=${e.attributes[k]}`).join(', ')})` : '';
  return `${formatEventTime(e.timeNano)} ${e.type} ${e.action} ${e.id}${attrs}\n`;
}

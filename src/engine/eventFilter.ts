/**
 * Docker's event filters (`--filter k=v`, the API's `filters`): values of one key are alternatives,
 * keys all have to match. container, event, image, label, network, type, volume (and daemon, scope,
 * plugin, config, secret, service, node: accepted, matching nothing berth records).
 */
import { invalidArgument } from '../errors.js';
import type { BerthEvent } from './eventLog.js';

export type EventFilters = Map<string, string[]>;

const KEYS = new Set(['container', 'event', 'image', 'label', 'network', 'type', 'volume', 'daemon', 'scope', 'plugin', 'config', 'secret', 'service', 'node']);
const TYPES = new Set(['container', 'image', 'volume', 'network', 'daemon', 'plugin', 'node', 'service', 'secret', 'config', 'builder']);

function add(f: EventFilters, k: string, v: string): void {
  if (!KEYS.has(k)) throw invalidArgument(`invalid filter '${k}'`);
  if (k === 'type' && !TYPES.has(v)) throw invalidArgument(`invalid filter 'type=${v}'`);
  f.set(k, [...(f.get(k) ?? []), v]);
}

/** `--filter k=v` flags. */
export function parseFilterFlags(flags: string[]): EventFilters {
  const f: EventFilters = new Map();
  for (const a of flags) {
    const i = a.indexOf('=');
    if (i <= 0) throw invalidArgument(`bad format of filter (expected name=value): ${a}`);
    add(f, a.slice(0, i).toLowerCase(), a.slice(i + 1));
  }
  return f;
}

/** The API's `filters` JSON: `{"type":{"container":true}}` or the old `{"type":["container"]}`. */
export function parseFilterJson(text: string | undefined): EventFilters {
  const f: EventFilters = new Map();
  if (!text) return f;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalidArgument(`invalid filter: ${text.slice(0, 100)}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidArgument('invalid filter: not an object');
  for (const [k, vals] of Object.entries(v as Record<string, unknown>)) {
    if (Array.isArray(vals)) for (const x of vals) add(f, k, String(x));
    else if (vals && typeof vals === 'object') for (const [x, on] of Object.entries(vals)) { if (on) add(f, k, x); }
    else throw invalidArgument(`invalid filter '${k}'`);
  }
  return f;
}

function labelMatch(e: BerthEvent, want: string): boolean {
  const i = want.indexOf('=');
  if (i < 0) return want in e.attributes;
  return e.attributes[want.slice(0, i)] === want.slice(i + 1);
}

/** `ACTION` or its prefix before `: ` (health_status: healthy, exec_start: sh). */
function actionMatch(e: BerthEvent, want: string): boolean {
  return e.action === want || e.action.split(':')[0] === want;
}

function idOrName(e: BerthEvent, want: string): boolean {
  return e.id === want || e.attributes.name === want || (want.length >= 12 && e.id.startsWith(want));
}

const IMAGE_TYPES = new Set(['image']);

function imageMatch(e: BerthEvent, want: string): boolean {
  const strip = (s: string) => s.replace(/:latest$/, '');
  if (IMAGE_TYPES.has(e.type)) return idOrName(e, want) || strip(e.id) === strip(want) || strip(e.attributes.name ?? '') === strip(want);
  const img = e.attributes.image;
  return img !== undefined && (img === want || strip(img) === strip(want));
}

function one(e: BerthEvent, key: string, want: string): boolean {
  switch (key) {
    case 'type': return e.type === want;
    case 'event': return actionMatch(e, want);
    case 'label': return labelMatch(e, want);
    case 'container': return (e.type === 'container' && idOrName(e, want)) || e.attributes.container === want;
    case 'image': return imageMatch(e, want);
    case 'network': return e.type === 'network' && idOrName(e, want);
    case 'volume': return e.type === 'volume' && e.id === want;
    case 'scope': return want === 'local';
    default: return false;
  }
}

export function matchesFilters(e: BerthEvent, f: EventFilters): boolean {
  for (const [key, wants] of f) if (!wants.some((w) => one(e, key, w))) return false;
  return true;
}

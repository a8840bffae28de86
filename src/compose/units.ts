/**
 * Compose's value types: Go durations (`1m30s`, printed back in Go's form), byte sizes
 * (`64m`, `1gb`, printed as a byte count) and the booleans/numbers YAML or interpolation
 * may hand over as strings. Pure.
 */
import { configError } from './configError.js';

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `1m30s`, `500ms`, `10` (seconds, as compose takes a bare number) -> milliseconds. */
export function parseDurationMs(v: unknown, where: string): number {
  if (typeof v === 'number') return v * 1000;
  const s = String(v).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  let total = 0;
  let seen = '';
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    seen += m[0];
  }
  if (!seen || seen !== s) throw configError(`${where}: invalid duration "${s}"`);
  return total;
}

/** Go's time.Duration.String() for whole milliseconds and up: `1m30s`, `500ms`, `1h0m0s`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${trim(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h) return `${h}h${m}m${trim(s)}s`;
  if (m) return `${m}m${trim(s)}s`;
  return `${trim(s)}s`;
}

const trim = (n: number) => String(Number(n.toFixed(9)));

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `64m`, `1gb`, `512k`, `1024` -> bytes (docker's RAMInBytes). */
export function parseBytes(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(String(v).trim());
  if (!m) throw configError(`${where}: invalid size "${String(v)}"`);
  return Math.floor(Number(m[1]) * BYTE_UNITS[m[2].toLowerCase()]);
}

export function toBool(v: unknown, where: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['true', 'yes', 'y', 'on', '1'].includes(s)) return true;
  if (['false', 'no', 'n', 'off', '0'].includes(s)) return false;
  throw configError(`${where}: invalid boolean: ${String(v)}`);
}

export function toInt(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  const s = String(v).trim();
  if (!/^-?\d+$/.test(s)) throw configError(`${where}: invalid integer: ${String(v)}`);
  return Number(s);
}

export function toNumber(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || String(v).trim() === '') throw configError(`${where}: invalid number: ${String(v)}`);
  return n;
}

/** Kubernetes object names (DNS-1123 labels) from berth names, and the annotations berth keeps its own facts in. */
import { invalidArgument } from '../errors.js';
export function kubeName(name: string): string {
  const n = name.replace(/^\//, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return n || 'berth';
}

/** Pod-level limits (Kubernetes has none): on the Pod's metadata, read back by play. */
export const ANN_POD_MEMORY = 'berth.io/pod-memory';
export const ANN_POD_CPUS = 'berth.io/pod-cpus';
/** The Deployment a played pod came from (its replicas are counted back by generate). */
export const LABEL_DEPLOYMENT = 'berth.io/deployment';

/** Bytes -> a Kubernetes quantity (`64Mi`, or plain bytes). */
export function memoryQuantity(bytes: number): string {
  for (const [u, f] of [['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) if (bytes % f === 0) return `${bytes / f}${u}`;
  return String(bytes);
}

/** CPUs × 1e9 -> millicores (`500m`) or whole CPUs (`2`). */
export function cpuQuantity(nano: number): string {
  const milli = Math.round(nano / 1e6);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** A Kubernetes quantity -> bytes (memory) . */
export function parseMemoryQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)$/.exec(q.trim());
  if (!m) throw invalidArgument(`invalid memory quantity "${q}"`);
  const f: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.round(Number(m[1]) * f[m[2]]);
}

/** A Kubernetes CPU quantity -> the `--cpus` value (`0.5`). */
export function parseCpuQuantity(q: string | number): string {
  if (typeof q === 'number') return String(q);
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m) throw invalidArgument(`invalid cpu quantity "${q}"`);
  return m[2] ? String(Number(m[1]) / 1000) : m[1];
}

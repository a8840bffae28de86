import { performance } from 'node:perf_hooks';

/** The steps of getting a layer onto disk (and of packing one), timed by bench/layer-unpack. */
export const PHASES = ['read', 'decompress', 'sha256', 'parse', 'paths', 'create', 'write', 'meta', 'xattrs', 'handoff', 'sync', 'publish', 'pack'] as const;
export type Phase = (typeof PHASES)[number];

/** Milliseconds spent per phase (summed over threads, so the total can exceed the wall time). */
export type PhaseTimes = Partial<Record<Phase, number>>;

/**
 * Phase timing for the unpack and pack paths. Off unless `BERTH_PROFILE_IO=1` is in the
 * environment when an operation starts: each one asks `ioProfile()` once and, when it gets
 * undefined, times nothing (one environment lookup per layer is the whole cost).
 */
export class IoProfile {
  readonly ms: PhaseTimes = {};

  /** Add the time since `t0` (from `now()`) to `phase`; returns now, for chaining. */
  add(phase: Phase, t0: number): number {
    const t = performance.now();
    this.ms[phase] = (this.ms[phase] ?? 0) + (t - t0);
    return t;
  }

  merge(other: PhaseTimes): void {
    for (const [k, v] of Object.entries(other) as [Phase, number][]) this.ms[k] = (this.ms[k] ?? 0) + v;
  }
}

let current: IoProfile | undefined;

export const now = (): number => performance.now();

/** The profile to record into, or undefined when profiling is off. */
export function ioProfile(): IoProfile | undefined {
  if (process.env.BERTH_PROFILE_IO !== '1') return undefined;
  current ??= new IoProfile();
  return current;
}

/** What was recorded since the last call (in this thread), and start afresh. */
export function takeIoProfile(): PhaseTimes {
  const r = current?.ms ?? {};
  current = undefined;
  return r;
}

/** `--cpuset-cpus`/`--cpuset-mems` against what the host has online (dockerd's checks at create). */
import { invalidArgument } from '../errors.js';

/** A cpuset list (`0-3,5`) -> its members; undefined when malformed. */
export function parseCpuList(list: string): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 1 << 16) return undefined;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

/** Throws Docker's error when `requested` names a cpu (or memory node) not in `online`. */
export function checkCpuset(requested: string | undefined, online: string, kind: 'cpus' | 'mems'): void {
  if (!requested) return;
  const want = parseCpuList(requested);
  if (!want) throw invalidArgument(`Invalid value ${requested} for cpuset ${kind}`);
  const have = parseCpuList(online);
  if (!have) return; // an unreadable host list: leave it to the cgroup write
  if ([...want].every((n) => have.has(n))) return;
  const what = kind === 'cpus' ? 'CPUs' : 'memory nodes';
  throw invalidArgument(`Requested ${what} are not available - requested ${requested}, available: ${online.trim()}`);
}

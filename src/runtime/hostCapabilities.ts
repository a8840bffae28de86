import { readHostBoundingSet } from '../sys/hostCaps.js';
import { restrictToHost } from './capabilities.js';
import type { Spec } from './spec.js';

type Process = NonNullable<Spec['process']>;

/**
 * Capabilities the host itself lacks (CAP_SYS_RESOURCE on some machines) are dropped
 * with a warning rather than failing the start.
 */
export function hostCapabilitiesFor(proc: Process): Process {
  const caps = proc.capabilities;
  if (!caps) return proc;
  const host = readHostBoundingSet();
  const warned = new Set<string>();
  const out: Record<string, string[]> = {};
  for (const [set, names] of Object.entries(caps) as [string, string[] | undefined][]) {
    if (!names) continue;
    const r = restrictToHost(names, host);
    out[set] = r.caps;
    for (const w of r.warnings) warned.add(w);
  }
  for (const w of warned) process.stderr.write(`berth: warning: ${w}\n`);
  return warned.size ? { ...proc, capabilities: out } : proc;
}

export function withHostCapabilities(spec: Spec): Spec {
  if (!spec.process?.capabilities) return spec;
  const proc = hostCapabilitiesFor(spec.process);
  return proc === spec.process ? spec : { ...spec, process: proc };
}

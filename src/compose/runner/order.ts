/** Services in dependency order (dependencies first), and a selection closed over its dependencies. */
import type { Project } from '../types.js';

export function dependencyOrder(p: Project, names: string[] = Object.keys(p.services)): string[] {
  const out: string[] = [];
  const visit = (n: string) => {
    if (out.includes(n) || !p.services[n]) return;
    for (const d of Object.keys(p.services[n].depends_on ?? {}).sort()) visit(d);
    out.push(n);
  };
  for (const n of [...names].sort()) visit(n);
  return out;
}

/** The named services and everything they depend on (all services when none are named). */
export function withDependencies(p: Project, names: string[]): string[] {
  return dependencyOrder(p, names.length ? names : Object.keys(p.services));
}

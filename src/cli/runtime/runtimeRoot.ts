import path from 'node:path';
import type { Command } from 'commander';
import { resolveRoot } from '../../sys/paths.js';

/** The runtime's state directory: `berth runtime --root`, else <berth root>/runtime. */
export function runtimeRoot(cmd: Command): string {
  let c: Command | null = cmd;
  while (c && c.name() !== 'runtime') c = c.parent;
  const own = (c?.opts() as { root?: string } | undefined)?.root;
  if (own) return path.resolve(own);
  const top = (c?.parent?.opts() as { root?: string } | undefined)?.root;
  return path.join(resolveRoot(top), 'runtime');
}

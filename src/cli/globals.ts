import type { Command } from 'commander';
import { resolveRoot } from '../sys/paths.js';

/** The global options seen from any subcommand. */
export function globalRoot(cmd: Command): string {
  let c: Command | null = cmd;
  let root: string | undefined;
  while (c) {
    const o = c.opts() as { root?: string };
    if (o.root && root === undefined) root = o.root;
    c = c.parent;
  }
  return resolveRoot(root);
}

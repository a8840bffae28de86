import type { Command } from 'commander';
import { runtimeRoot } from './runtimeRoot.js';

export function registerStart(rt: Command): void {
  rt.command('start').description('run the user process of a created container').argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => (await import('../../runtime/lifecycle.js')).startContainer(runtimeRoot(cmd), id));
}

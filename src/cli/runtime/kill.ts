import type { Command } from 'commander';
import { runtimeRoot } from './runtimeRoot.js';

export function registerKill(rt: Command): void {
  rt.command('kill').description('send a signal (default SIGTERM) to the container\'s init').argument('<id>').argument('[signal]')
    .option('-a, --all', 'send the signal to every process in the container')
    .action(async (id: string, signal: string | undefined, o: { all?: boolean }, cmd: Command) => (await import('../../runtime/lifecycle.js')).killContainer(runtimeRoot(cmd), id, signal, o.all));
}

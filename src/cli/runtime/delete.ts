import type { Command } from 'commander';
import { runtimeRoot } from './runtimeRoot.js';

export function registerDelete(rt: Command): void {
  rt.command('delete').description('delete a container and everything it holds').argument('<id>')
    .option('-f, --force', 'kill the container first if it is running')
    .action(async (id: string, o: { force?: boolean }, cmd: Command) => (await import('../../runtime/lifecycle.js')).deleteContainer(runtimeRoot(cmd), id, o.force));
}

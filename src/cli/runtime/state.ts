import type { Command } from 'commander';
import { openState } from '../../runtime/state.js';
import { runtimeRoot } from './runtimeRoot.js';

export function registerState(rt: Command): void {
  rt.command('state').description('print the state of a container (OCI state JSON)').argument('<id>')
    .action((id: string, _o: unknown, cmd: Command) => {
      process.stdout.write(JSON.stringify(openState(runtimeRoot(cmd), id).ociState(), null, 2) + '\n');
    });
}

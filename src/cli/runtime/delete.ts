import type { Command } from 'commander';
import { isBerthError } from '../../errors.js';
import { runtimeRoot } from './runtimeRoot.js';

export function registerDelete(rt: Command): void {
  rt.command('delete').description('delete a container and everything it holds').argument('<id>')
    .option('-f, --force', 'kill the container first if it is running; a container that does not exist is no error (as runc)')
    .action(async (id: string, o: { force?: boolean }, cmd: Command) => {
      const { deleteContainer } = await import('../../runtime/lifecycle.js');
      try {
        await deleteContainer(runtimeRoot(cmd), id, o.force);
      } catch (e) {
        if (!(o.force && isBerthError(e, 'NotFound'))) throw e;
      }
    });
}

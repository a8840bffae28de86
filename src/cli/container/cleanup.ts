import type { Command } from 'commander';
import { storeOf } from './common.js';

/**
 * `container cleanup ID` (hidden): the monitor's on_exit for a container that ended on its
 * own; releases its networks (src/engine/cleanupContainer.ts). Silent, idempotent.
 */
export function addCleanupCommand(parent: Command): Command | undefined {
  if (parent.name() !== 'container') return undefined;
  return parent.command('cleanup', { hidden: true }).description('Release the resources of a container that has ended (internal)')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const { cleanupContainer } = await import('../../engine/cleanupContainer.js');
      await cleanupContainer(store, id);
    });
}

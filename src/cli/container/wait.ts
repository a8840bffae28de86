import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `wait CONTAINER...`: prints each exit code. */
export function addWaitCommand(parent: Command): Command {
  return parent.command('wait').description('Block until one or more containers stop, then print their exit codes')
    .argument('<container...>')
    .action(exit1(async (refs: string[], _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const { waitContainer } = await import('../../engine/waitContainer.js');
      await forEachRef(refs, async (r) => String(await waitContainer(store, r)));
    }));
}

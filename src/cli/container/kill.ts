import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `kill [-s SIG] CONTAINER...` (default SIGKILL). */
export function addKillCommand(parent: Command): Command {
  return parent.command('kill').description('Kill one or more running containers')
    .argument('<container...>')
    .option('-s, --signal <string>', 'Signal to send to the container', 'KILL')
    .action(exit1(async (refs: string[], o: { signal: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { killContainer } = await import('../../engine/stopContainer.js');
      await forEachRef(refs, async (r) => {
        await killContainer(store, r, o.signal);
        return r;
      });
    }));
}

import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';
import { stopFlags, stopTimeout } from './stop.js';

/** `restart [-t N] CONTAINER...`: stop, then start. */
export function addRestartCommand(parent: Command): Command {
  return stopFlags(parent.command('restart').description('Restart one or more containers')
    .argument('<container...>'))
    .action(exit1(async (refs: string[], o: { time?: string; signal?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { stopContainer } = await import('../../engine/stopContainer.js');
      const { startContainer } = await import('../../engine/startContainer.js');
      const t = await stopTimeout(o.time);
      await forEachRef(refs, async (r) => {
        await stopContainer(store, r, t, o.signal);
        await startContainer(store, r);
        return r;
      });
    }));
}

import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `restart [-t N] CONTAINER...`: stop, then start. */
export function addRestartCommand(parent: Command): Command {
  return parent.command('restart').description('Restart one or more containers')
    .argument('<container...>')
    .option('-t, --time <int>', 'Seconds to wait before killing the container')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .action(exit1(async (refs: string[], o: { time?: string; signal?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { stopContainer } = await import('../../engine/stopContainer.js');
      const { startContainer } = await import('../../engine/startContainer.js');
      const { parseIntFlag } = await import('../../engine/parseFlags.js');
      const t = o.time === undefined ? undefined : parseIntFlag(o.time, '--time', -1);
      await forEachRef(refs, async (r) => {
        await stopContainer(store, r, t, o.signal);
        await startContainer(store, r);
        return r;
      });
    }));
}

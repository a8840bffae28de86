import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `stop [-t N] [-s SIG] CONTAINER...`. */
export function addStopCommand(parent: Command): Command {
  return parent.command('stop').description('Stop one or more running containers')
    .argument('<container...>')
    .option('-t, --time <int>', 'Seconds to wait before killing the container')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .action(exit1(async (refs: string[], o: { time?: string; signal?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { stopContainer } = await import('../../engine/stopContainer.js');
      const { parseIntFlag } = await import('../../engine/parseFlags.js');
      const t = o.time === undefined ? undefined : parseIntFlag(o.time, '--time', -1);
      await forEachRef(refs, async (r) => {
        await stopContainer(store, r, t, o.signal);
        return r;
      });
    }));
}

import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `stop [-t N] [-s SIG] CONTAINER...`. */
export function addStopCommand(parent: Command): Command {
  return stopFlags(parent.command('stop').description('Stop one or more running containers')
    .argument('<container...>'))
    .action(exit1(async (refs: string[], o: { time?: string; signal?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { stopContainer } = await import('../../engine/stopContainer.js');
      const t = await stopTimeout(o.time);
      await forEachRef(refs, async (r) => {
        await stopContainer(store, r, t, o.signal);
        return r;
      });
    }));
}

/** -t and -s, shared by `stop` and `restart`. */
export function stopFlags(c: Command): Command {
  return c
    .option('-t, --time <int>', 'Seconds to wait before killing the container')
    .option('-s, --signal <string>', 'Signal to send to the container');
}

export async function stopTimeout(time: string | undefined): Promise<number | undefined> {
  if (time === undefined) return undefined;
  const { parseIntFlag } = await import('../../engine/parseFlags.js');
  return parseIntFlag(time, '--time', -1);
}

import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `top CONTAINER`: its processes as the host sees them. */
export function addTopCommand(parent: Command): Command {
  return parent.command('top').description('Display the running processes of a container')
    .argument('<container>')
    .argument('[ps-options...]')
    .allowUnknownOption()
    .action(exit1(async (ref: string, ps: string[], _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const { topContainer } = await import('../../engine/top.js');
      const { tabulate } = await import('../format/printFormatted.js');
      const t = topContainer(store, ref, ps);
      process.stdout.write(tabulate([t.Titles.join('\t'), ...t.Processes.map((p) => p.join('\t'))], 1, 3));
    }));
}

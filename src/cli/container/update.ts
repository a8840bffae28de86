import type { Command } from 'commander';
import { addResourceFlags } from './runFlags.js';
import { exit1, forEachRef, storeOf } from './common.js';

/** `update [resource flags] [--restart] CONTAINER...`: new limits applied to the live cgroup and recorded. */
export function addUpdateCommand(parent: Command): Command {
  return addResourceFlags(parent.command('update').description('Update configuration of one or more containers')
    .argument('<container...>'))
    .option('--restart <string>', 'Restart policy to apply when a container exits')
    .action(exit1(async (refs: string[], o: Record<string, string | undefined>, cmd: Command) => {
      const store = await storeOf(cmd);
      const { updateContainer } = await import('../../engine/updateContainer.js');
      const warnings: string[] = [];
      await forEachRef(refs, async (r) => {
        warnings.push(...updateContainer(store, r, o));
        return r;
      });
      // Docker's CLI: the daemon's warnings after the names, on stdout.
      if (warnings.length) process.stdout.write(`${warnings.join('\n')}\n`);
    }));
}

import type { Command } from 'commander';
import { addResourceFlags } from './runFlags.js';
import { BerthError } from '../../errors.js';
import { exit1, forEachRef, storeOf } from './common.js';

/** `update [resource flags] [--restart] CONTAINER...`: new limits applied to the live cgroup and recorded. */
export function addUpdateCommand(parent: Command): Command {
  return addResourceFlags(parent.command('update').description('Update configuration of one or more containers')
    .argument('<container...>'))
    .option('--restart <string>', 'Restart policy to apply when a container exits')
    .action(exit1(async (refs: string[], o: Record<string, string | undefined>, cmd: Command) => {
      const { checkUpdateFlags, updateContainer } = await import('../../engine/updateContainer.js');
      try {
        checkUpdateFlags(o);
      } catch (e) {
        if (!(e instanceof BerthError)) throw e;
        throw new BerthError(e.kind, e.message, { code: e.code, hint: e.hint, exitCode: 125 });
      }
      const store = await storeOf(cmd);
      const warnings: string[] = [];
      await forEachRef(refs, async (r) => {
        warnings.push(...updateContainer(store, r, o));
        return r;
      });
      // Docker's CLI: the daemon's warnings after the names, on stdout.
      if (warnings.length) process.stdout.write(`${warnings.join('\n')}\n`);
    }));
}

import type { Command } from 'commander';
import { pullFirst, storeOf } from './common.js';
import { addRunFlags, normalizeRunFlags } from './runFlags.js';

/** `create [OPTIONS] IMAGE [COMMAND] [ARG...]`: prints the new container's ID. */
export function addCreateCommand(parent: Command): Command {
  return addRunFlags(parent.command('create').description('Create a new container'))
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions()
    .action(async (image: string, command: string[], o: Record<string, unknown>, cmd: Command) => {
      const store = await storeOf(cmd);
      const { createContainer } = await import('../../engine/createContainer.js');
      await pullFirst(cmd, image, o.pull);
      const rec = await createContainer(store, { image, command, flags: normalizeRunFlags(o) as never });
      process.stdout.write(`${rec.Id}\n`);
    });
}

import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `rename CONTAINER NEW_NAME`. */
export function addRenameCommand(parent: Command): Command {
  return parent.command('rename').description('Rename a container')
    .argument('<container>')
    .argument('<new-name>')
    .action(exit1(async (ref: string, newName: string, _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const { renameContainer } = await import('../../engine/renameContainer.js');
      renameContainer(store, ref, newName);
    }));
}

import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `rm [-f] [-v] CONTAINER...`. */
export function addRmCommand(parent: Command, name = 'rm'): Command {
  return parent.command(name).description('Remove one or more containers')
    .argument('<container...>')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .action(exit1(async (refs: string[], o: { force?: boolean; volumes?: boolean }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { removeContainer } = await import('../../engine/removeContainer.js');
      const { isBerthError } = await import('../../errors.js');
      await forEachRef(refs, async (r) => {
        try {
          store.findEntry(r);
        } catch (e) {
          // Docker (23+): `rm -f` of a container that does not exist is quietly done.
          if (o.force && isBerthError(e, 'NotFound')) return;
          throw e;
        }
        await removeContainer(store, r, o);
        return r;
      });
    }));
}

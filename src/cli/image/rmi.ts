import type { Command } from 'commander';
import { conflict } from '../../errors.js';
import { removeImages } from '../../image/removeImages.js';
import { storeFor } from './store.js';

/** `rmi` / `image rm`. */
export function addRmiCommand(parent: Command, name: string): Command {
  const c = parent
    .command(name)
    .description('Remove one or more images')
    .argument('<image...>')
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents')
    .action(async (refs: string[], o: { force?: boolean; prune: boolean }, cmd: Command) => {
      const r = await removeImages(storeFor(cmd), refs, { force: o.force, noPrune: !o.prune });
      for (const l of r.lines) process.stdout.write(`${l}\n`);
      if (r.errors.length) {
        for (const e of r.errors.slice(0, -1)) process.stderr.write(`berth: ${e}\n`);
        throw conflict(r.errors[r.errors.length - 1], { exitCode: 1 });
      }
    });
  if (name === 'rm') c.alias('remove');
  return c;
}

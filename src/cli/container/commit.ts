import type { Command } from 'commander';
import { collect, exit1, storeOf } from './common.js';

/** `commit [-a] [-m] [-c] [-p] CONTAINER [REPOSITORY[:TAG]]`: the writable layer becomes an image. */
export function addCommitCommand(parent: Command): Command {
  return parent.command('commit').description("Create a new image from a container's changes")
    .argument('<container>')
    .argument('[repository]')
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-m, --message <string>', 'Commit message')
    .option('-c, --change <list>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-p, --pause', 'Pause container during commit (default true)', true)
    .option('--no-pause', 'Do not pause the container during commit')
    .action(exit1(async (ref: string, repo: string | undefined, o: { author?: string; message?: string; change: string[]; pause: boolean }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { commitContainer } = await import('../../engine/commitContainer.js');
      process.stdout.write(`${await commitContainer(store, ref, { tag: repo, author: o.author, comment: o.message, changes: o.change, pause: o.pause })}\n`);
    }));
}

import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';
import { detachKeysFlag } from '../../engine/detachKeys.js';

/** `start [-a] [-i] CONTAINER...`. With -a it streams the output and returns the exit code. */
export function addStartCommand(parent: Command): Command {
  return parent.command('start').description('Start one or more stopped containers')
    .argument('<container...>')
    .option('-a, --attach', "Attach STDOUT/STDERR and forward signals")
    .option('-i, --interactive', "Attach container's STDIN")
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container', detachKeysFlag)
    .action(exit1(async (refs: string[], o: { attach?: boolean; interactive?: boolean; detachKeys?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { startContainer } = await import('../../engine/startContainer.js');
      if (o.attach || o.interactive) {
        const { attachStart } = await import('../../engine/attachStart.js');
        process.exitCode = await attachStart(store, refs[0], { stdin: o.interactive ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr }, { interactive: o.interactive, detachKeys: o.detachKeys });
        return;
      }
      await forEachRef(refs, async (r) => {
        await startContainer(store, r);
        return r;
      });
    }));
}

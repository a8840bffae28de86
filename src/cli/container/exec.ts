import type { Command } from 'commander';
import { collect, exit1, storeOf } from './common.js';
import { detachKeysFlag } from '../../engine/detachKeys.js';

/** `exec [-d] [-i] [-t] [-e] [-u] [-w] [--privileged] CONTAINER COMMAND [ARG...]`. */
export function addExecCommand(parent: Command): Command {
  return parent.command('exec').description('Execute a command in a running container')
    .argument('<container>')
    .argument('<command...>')
    .option('-d, --detach', 'Detached mode: run command in the background')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-e, --env <list>', 'Set environment variables', collect, [])
    .option('-u, --user <string>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .option('--privileged', 'Give extended privileges to the command')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container (checked; an exec session cannot be detached yet)', detachKeysFlag)
    .passThroughOptions()
    .action(exit1(async (ref: string, command: string[], o: { detach?: boolean; interactive?: boolean; tty?: boolean; env: string[]; user?: string; workdir?: string; privileged?: boolean }, cmd: Command) => {
      if (o.tty && o.interactive && !o.detach && !process.stdin.isTTY) {
        const { BerthError } = await import('../../errors.js');
        throw new BerthError('FailedPrecondition', 'the input device is not a TTY', { exitCode: 1 });
      }
      const store = await storeOf(cmd);
      const { execInContainer } = await import('../../engine/execInContainer.js');
      const raw = !!o.tty && !o.detach && process.stdin.isTTY;
      if (raw) process.stdin.setRawMode(true);
      try {
        process.exitCode = await execInContainer(store, ref, { ...o, command });
      } finally {
        if (raw) process.stdin.setRawMode(false);
      }
    }));
}

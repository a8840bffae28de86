import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';
import { detachKeysFlag } from '../../engine/detachKeys.js';

/** `attach [--no-stdin] [--detach-keys] CONTAINER`: exits with the container's code (0 on detach, saying so on stderr as Docker's). */
export function addAttachCommand(parent: Command): Command {
  return parent.command('attach').description("Attach local standard input, output, and error streams to a running container")
    .argument('<container>')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container', detachKeysFlag)
    .option('--sig-proxy', 'Proxy all received signals to the process (default true)')
    .action(exit1(async (ref: string, o: { stdin: boolean; detachKeys?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { attachContainer } = await import('../../engine/attachContainer.js');
      const r = await attachContainer(store, ref, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, { noStdin: !o.stdin, detachKeys: o.detachKeys });
      if (r.detached) process.stderr.write('read escape sequence\n');
      process.exitCode = r.exitCode;
      process.stdin.destroy();
    }));
}

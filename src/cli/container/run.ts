import type { Command } from 'commander';
import { pullFirst, storeOf } from './common.js';
import { addRunFlags, normalizeRunFlags } from './runFlags.js';

/** `run [OPTIONS] IMAGE [COMMAND] [ARG...]`. */
export function addRunCommand(parent: Command): Command {
  return addRunFlags(parent.command('run').description('Create and run a new container from an image'))
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions()
    .action(async (image: string, command: string[], o: Record<string, unknown>, cmd: Command) => {
      const store = await storeOf(cmd);
      const { runContainer } = await import('../../engine/runContainer.js');
      const flags = normalizeRunFlags(o) as never as Record<string, unknown>;
      if (flags.tty && flags.interactive && !flags.detach && !process.stdin.isTTY) {
        const { BerthError } = await import('../../errors.js');
        throw new BerthError('FailedPrecondition', 'the input device is not a TTY', { exitCode: 1 });
      }
      await pullFirst(cmd, image, o.pull);
      const r = await runContainer(store, { image, command, flags: flags as never }, { stdin: flags.interactive ? process.stdin : null, stdout: process.stdout, stderr: process.stderr });
      if (r.detached) process.stderr.write('read escape sequence\n');
      if (r.exitCode === undefined) process.stdout.write(`${r.id}\n`);
      else process.exitCode = r.exitCode;
      // stdin may hold the event loop open after the container ended
      if (flags.interactive) process.stdin.destroy();
    });
}

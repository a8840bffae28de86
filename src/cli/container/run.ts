import type { Command } from 'commander';
import { storeOf } from './common.js';
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
      const flags = normalizeRunFlags(o) as never;
      const r = await runContainer(store, { image, command, flags }, { stdout: process.stdout, stderr: process.stderr });
      if (r.exitCode === undefined) process.stdout.write(`${r.id}\n`);
      else process.exitCode = r.exitCode;
    });
}

import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `system boot`: after a reboot, networks back and the containers whose restart policy asks for it started. */
export function addBootCommand(system: Command): Command {
  return system.command('boot').description('Start the containers whose restart policy is always or unless-stopped (run at boot)')
    .action(exit1(async (_o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const { bootContainers } = await import('../../engine/bootContainers.js');
      const { failedPrecondition } = await import('../../errors.js');
      const r = await bootContainers(store);
      for (const n of r.started) process.stdout.write(`${n}\n`);
      for (const f of r.failed) process.stderr.write(`berth: ${f.name}: ${f.error}\n`);
      if (r.failed.length) throw failedPrecondition(`${r.failed.length} could not be started`, { exitCode: 1 });
    }));
}

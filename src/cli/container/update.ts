import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `update [resource flags] [--restart] CONTAINER...`: new limits applied to the live cgroup and recorded. */
export function addUpdateCommand(parent: Command): Command {
  return parent.command('update').description('Update configuration of one or more containers')
    .argument('<container...>')
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: -1 to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
    .option('--restart <string>', 'Restart policy to apply when a container exits')
    .action(exit1(async (refs: string[], o: Record<string, string | undefined>, cmd: Command) => {
      const store = await storeOf(cmd);
      const { updateContainer } = await import('../../engine/updateContainer.js');
      await forEachRef(refs, async (r) => {
        updateContainer(store, r, o);
        return r;
      });
    }));
}

import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from './common.js';

/** `pause` / `unpause CONTAINER...` via the freezer cgroup. */
export function addPauseCommands(parent: Command): void {
  for (const [name, pause, desc] of [['pause', true, 'Pause all processes within one or more containers'], ['unpause', false, 'Unpause all processes within one or more containers']] as const) {
    parent.command(name).description(desc)
      .argument('<container...>')
      .action(exit1(async (refs: string[], _o: unknown, cmd: Command) => {
        const store = await storeOf(cmd);
        const { pauseContainer } = await import('../../engine/pause.js');
        await forEachRef(refs, async (r) => {
          pauseContainer(store, r, pause);
          return r;
        });
      }));
  }
}

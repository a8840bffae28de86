import type { Command } from 'commander';
import { findContainer } from '../../image/containers.js';
import { CHANGE_LETTER } from '../../image/snapshotDiff.js';
import { storeFor } from './store.js';

/** `diff CONTAINER`: A/C/D changes from the container's upper dir, sorted by path. */
export function addDiffCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description("Inspect changes to files or directories on a container's filesystem")
    .argument('<container>')
    .action((ref: string, _o: unknown, cmd: Command) => {
      const store = storeFor(cmd);
      const c = findContainer(store.root, ref);
      for (const ch of store.diffSnapshot(c.SnapshotKey ?? c.Id)) process.stdout.write(`${CHANGE_LETTER[ch.Kind]} ${ch.Path}\n`);
    });
}

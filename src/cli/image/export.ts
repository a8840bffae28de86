import type { Command } from 'commander';
import { findContainer } from '../../image/containers.js';
import { withOutput } from './io.js';
import { storeFor } from './store.js';

/** `export [-o file] CONTAINER`: the container's filesystem as a tar (computed, not mounted). */
export function addExportCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description("Export a container's filesystem as a tar archive")
    .argument('<container>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(async (ref: string, o: { output?: string }, cmd: Command) => {
      const store = storeFor(cmd);
      const c = findContainer(store.root, ref);
      await withOutput(o.output, (out) => store.exportSnapshot(c.SnapshotKey ?? c.Id, out));
    });
}

import type { Command } from 'commander';
import { findContainer } from '../../image/containers.js';
import { withOutput } from './io.js';
import { storeFor } from './store.js';

/** A --userns container's files carry shifted host ids; the archive shows its own (as dockerd's export). */
async function exportOwners(root: string, id: string) {
  const { ContainerStore } = await import('../../engine/ContainerStore.js');
  const { upperOwners } = await import('../../engine/copyFiles.js');
  const store = new ContainerStore(root);
  const rec = store.read(id);
  return rec ? upperOwners(store, rec) : undefined;
}

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
      const owners = await exportOwners(store.root, c.Id);
      await withOutput(o.output, (out) => store.exportSnapshot(c.SnapshotKey ?? c.Id, out, owners));
    });
}

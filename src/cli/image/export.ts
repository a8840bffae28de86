import type { Command } from 'commander';
import { findContainer } from '../../image/containers.js';
import { withOutput } from './io.js';
import { storeFor } from './store.js';

/**
 * The container's own store view: a --userns container's files carry shifted host ids (the
 * archive shows its own, as dockerd's export), and a running one is frozen while its layer is read.
 */
async function engineView(root: string, id: string) {
  const { ContainerStore } = await import('../../engine/ContainerStore.js');
  const { upperOwners } = await import('../../engine/copyFiles.js');
  const { whileStill } = await import('../../engine/pause.js');
  const store = new ContainerStore(root);
  const rec = store.read(id);
  return {
    owners: rec ? upperOwners(store, rec) : undefined,
    still: <T>(fn: () => Promise<T>) => (rec ? whileStill(store, rec.Id, fn) : fn()),
  };
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
      const { owners, still } = await engineView(store.root, c.Id);
      await still(() => withOutput(o.output, (out) => store.exportSnapshot(c.SnapshotKey ?? c.Id, out, owners)));
    });
}

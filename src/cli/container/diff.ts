import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `diff CONTAINER`: A/C/D lines from the snapshot's upper dir. */
export function addDiffCommand(parent: Command): Command {
  return parent.command('diff').description("Inspect changes to files or directories on a container's filesystem")
    .argument('<container>')
    .action(exit1(async (ref: string, _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const rec = store.find(ref);
      const { ImageStore } = await import('../../image/ImageStore.js');
      const { CHANGE_LETTER } = await import('../../image/snapshotDiff.js');
      const { whileStill } = await import('../../engine/pause.js');
      const changes = await whileStill(store, rec.Id, () => new ImageStore(store.root).diffSnapshot(rec.SnapshotKey));
      for (const c of changes) process.stdout.write(`${CHANGE_LETTER[c.Kind as number]} ${c.Path}\n`);
    }));
}

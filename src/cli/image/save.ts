import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { saveArchive, saveItems } from '../../image/saveArchive.js';
import { withOutput } from './io.js';
import { storeFor } from './store.js';

/** `save [-o file] [--format docker|oci] IMAGE...`. */
export function addSaveCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<image...>')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .option('--format <format>', 'Archive format: docker (docker-archive, default) or oci (oci-archive)', 'docker')
    .action(async (refs: string[], o: { output?: string; format: string }, cmd: Command) => {
      if (o.format !== 'docker' && o.format !== 'oci') throw invalidArgument(`unknown save format ${JSON.stringify(o.format)}: use docker or oci`);
      const store = storeFor(cmd);
      const items = saveItems(store, refs);
      await withOutput(o.output, (out) => saveArchive(store, items, out, o.format as 'docker' | 'oci'));
    });
}

import type { Command } from 'commander';
import { loadArchive } from '../../image/loadArchive.js';
import { inputStream } from './io.js';
import { storeFor } from './store.js';

/** `load [-i file] [-q]`: docker-archive or oci-archive, optionally compressed. */
export function addLoadCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Load an image from a tar archive or STDIN')
    .option('-i, --input <file>', 'Read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (o: { input?: string; quiet?: boolean }, cmd: Command) => {
      const r = await loadArchive(storeFor(cmd), inputStream(o.input, 'load'));
      if (o.quiet) return;
      for (const img of r.images) {
        if (img.tags.length === 0) process.stdout.write(`Loaded image ID: ${img.id}\n`);
        for (const t of img.tags) process.stdout.write(`Loaded image: ${t}\n`);
      }
    });
}

import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { importImage } from '../../image/importImage.js';
import { collect } from './collect.js';
import { inputStream } from './io.js';
import { storeFor } from './store.js';

/** `import file|- [REPOSITORY[:TAG]]`: prints the new image ID. */
export function addImportCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Import the contents from a tarball to create a filesystem image')
    .argument('<file>', 'file|URL|-')
    .argument('[reference]', 'REPOSITORY[:TAG]')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <string>', 'Set commit message for imported image')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .action(async (file: string, ref: string | undefined, o: { change: string[]; message?: string; platform?: string }, cmd: Command) => {
      if (/^[a-z]+:\/\//i.test(file)) throw invalidArgument(`importing from a URL is not supported: ${file}`);
      if (o.platform && o.platform !== 'linux' && !o.platform.startsWith('linux/')) throw invalidArgument(`unsupported platform ${o.platform}`);
      const store = storeFor(cmd);
      const id = await importImage(store, inputStream(file, 'import'), { tag: ref, changes: o.change, message: o.message, source: file === '-' ? '-' : file });
      process.stdout.write(`${id}\n`);
    });
}

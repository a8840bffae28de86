import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** Docker's splitCpArg: `CONTAINER:PATH`, unless the argument is an absolute or explicitly relative local path. */
export function splitCpArg(s: string): { container: string; path: string } | undefined {
  if (s.startsWith('/')) return undefined;
  const i = s.indexOf(':');
  if (i < 0 || s.startsWith('.')) return undefined;
  return { container: s.slice(0, i), path: s.slice(i + 1) };
}

/** `cp [-a] [-L] CONTAINER:SRC DEST|-` and `cp [-a] [-L] SRC|- CONTAINER:DEST`. */
export function addCpCommand(parent: Command): Command {
  return parent.command('cp').description('Copy files/folders between a container and the local filesystem')
    .argument('<src>')
    .argument('<dest>')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .option('-q, --quiet', 'Suppress progress output during copy (berth prints none)')
    .action(exit1(async (src: string, dest: string, o: { archive?: boolean; followLink?: boolean }, cmd: Command) => {
      const { invalidArgument } = await import('../../errors.js');
      if (src === '') throw invalidArgument('source can not be empty');
      if (dest === '') throw invalidArgument('destination can not be empty');
      const from = splitCpArg(src);
      const to = splitCpArg(dest);
      if (from && to) throw invalidArgument('copying between containers is not supported');
      if (!from && !to) throw invalidArgument('must specify at least one container source');
      const opts = { archive: !!o.archive, followLink: !!o.followLink };
      const store = await storeOf(cmd);
      const copy = await import('../../engine/copyFiles.js');
      if (from) {
        if (dest === '-') await copy.copyFromContainerTar(store, from.container, from.path || '/', process.stdout, opts);
        else await copy.copyFromContainer(store, from.container, from.path || '/', dest, opts);
      } else if (src === '-') {
        await copy.copyToContainerTar(store, to!.container, process.stdin, to!.path || '/', opts);
      } else {
        await copy.copyToContainer(store, to!.container, src, to!.path || '/', opts);
      }
    }));
}

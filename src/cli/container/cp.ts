import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `cp CONTAINER:SRC DEST` and `cp SRC CONTAINER:DEST` (`-`: a tar stream on stdout / from stdin). */
export function addCpCommand(parent: Command): Command {
  return parent.command('cp').description('Copy files/folders between a container and the local filesystem')
    .argument('<src>')
    .argument('<dest>')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .action(exit1(async (src: string, dest: string, _o: unknown, cmd: Command) => {
      const { invalidArgument } = await import('../../errors.js');
      const split = (s: string) => {
        const i = s.indexOf(':');
        return i > 0 && !s.startsWith('/') && !s.startsWith('.') ? [s.slice(0, i), s.slice(i + 1)] as const : undefined;
      };
      const from = split(src);
      const to = split(dest);
      if ((from && to) || (!from && !to && src !== '-')) throw invalidArgument('copying between containers or between local paths is not supported: one side must be CONTAINER:PATH');
      const store = await storeOf(cmd);
      if (dest === '-' && from) {
        const { copyFromContainerTar } = await import('../../engine/copyTar.js');
        await copyFromContainerTar(store, from[0], from[1] || '/', process.stdout);
        return;
      }
      if (src === '-' && to) {
        const { copyToContainerTar } = await import('../../engine/copyTar.js');
        await copyToContainerTar(store, to[0], process.stdin, to[1] || '/');
        return;
      }
      const { copyFromContainer, copyToContainer } = await import('../../engine/copyFiles.js');
      if (from) copyFromContainer(store, from[0], from[1] || '/', dest);
      else copyToContainer(store, to![0], src, to![1] || '/');
    }));
}

import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `info [--format]` and `version [--format]`. */
export function addInfoCommands(program: Command, system: Command): void {
  for (const parent of [program, system]) {
    parent.command('info').description('Display system-wide information')
      .option('-f, --format <string>', 'Format output using a custom template')
      .action(exit1(async (o: { format?: string }, cmd: Command) => {
        const store = await storeOf(cmd);
        const { systemInfo, infoText } = await import('../../engine/info.js');
        const info = systemInfo(store);
        if (o.format) {
          const { renderTemplate } = await import('../format/renderTemplate.js');
          process.stdout.write(renderTemplate(o.format, info as never) + '\n');
        } else process.stdout.write(infoText(info));
      }));
  }
  program.command('version').description('Show the berth version information')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(exit1(async (o: { format?: string }) => {
      const { versionInfo } = await import('../../engine/info.js');
      const v = versionInfo();
      if (o.format) {
        const { renderTemplate } = await import('../format/renderTemplate.js');
        process.stdout.write(renderTemplate(o.format, v as never) + '\n');
        return;
      }
      process.stdout.write(`Client:\n Version:           ${v.Client.Version}\n Node.js version:   ${v.Client.NodeVersion}\n OS/Arch:           ${v.Client.Os}/${v.Client.Arch}\n\n`
        + `Server: berth (daemonless)\n Engine:\n  Version:          ${v.Server.Version}\n  Node.js version:  ${v.Server.NodeVersion}\n  Kernel Version:   ${v.Server.KernelVersion}\n  OS/Arch:          ${v.Server.Os}/${v.Server.Arch}\n`);
    }));
}

import type { Command } from 'commander';
import { runtimeRoot } from './runtimeRoot.js';

export function registerExec(rt: Command): void {
  rt.command('exec').description('run a process in a running container').argument('<id>').argument('<command...>')
    .passThroughOptions()
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-d, --detach', 'do not wait for the process')
    .option('--cwd <dir>', 'working directory', '/')
    .option('-e, --env <NAME=value>', 'environment variable (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-u, --user <uid[:gid]>', 'user id, and group id', '0:0')
    .action(async (id: string, args: string[], o: { tty?: boolean; detach?: boolean; cwd: string; env: string[]; user: string }, cmd: Command) => {
      const [uid, gid] = o.user.split(':').map(Number);
      const { execContainer } = await import('../../runtime/execContainer.js');
      process.exitCode = await execContainer({
        root: runtimeRoot(cmd), id, detach: o.detach,
        process: {
          args, cwd: o.cwd, terminal: !!o.tty, user: { uid, gid: gid ?? uid },
          env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...o.env],
        },
      });
    });
}

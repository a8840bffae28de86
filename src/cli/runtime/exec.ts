import fs from 'node:fs';
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import type { Spec } from '../../runtime/spec.js';
import { runtimeRoot } from './runtimeRoot.js';

interface ExecFlags {
  tty?: boolean; detach?: boolean; cwd: string; env: string[]; user: string;
  process?: string; pidFile?: string; consoleSocket?: string;
}

/** `--process FILE` (an OCI process object, as containerd's shim writes it), else the flags and COMMAND. */
function processFrom(o: ExecFlags, args: string[]): NonNullable<Spec['process']> {
  if (o.process) {
    let p: NonNullable<Spec['process']>;
    try {
      p = JSON.parse(fs.readFileSync(o.process, 'utf8'));
    } catch (e) {
      throw invalidArgument(`--process \`${o.process}\`: ${(e as Error).message}`);
    }
    if (!p || typeof p !== 'object' || !Array.isArray(p.args) || !p.args.length || p.args.some((a) => typeof a !== 'string')) {
      throw invalidArgument(`--process \`${o.process}\`: args must be a non-empty list of strings`);
    }
    if (p.user !== undefined && (typeof p.user !== 'object' || !Number.isInteger(p.user.uid) || !Number.isInteger(p.user.gid))) {
      throw invalidArgument(`--process \`${o.process}\`: user needs integer uid and gid`);
    }
    return { ...p, cwd: typeof p.cwd === 'string' && p.cwd ? p.cwd : '/', user: p.user ?? { uid: 0, gid: 0 }, terminal: !!p.terminal };
  }
  if (!args.length) throw invalidArgument('exec: a command (or --process FILE) is required');
  const [uid, gid] = o.user.split(':').map(Number);
  return {
    args, cwd: o.cwd, terminal: !!o.tty, user: { uid, gid: gid ?? uid },
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...o.env],
  };
}

export function registerExec(rt: Command): void {
  rt.command('exec').description('run a process in a running container').argument('<id>').argument('[command...]')
    .passThroughOptions()
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-d, --detach', 'start the process and return (it keeps our stdio and goes to our subreaper, as with runc)')
    .option('-p, --process <file>', 'the process as OCI process JSON (instead of COMMAND and the flags)')
    .option('--pid-file <file>', 'write the process id to this file')
    .option('--console-socket <path>', 'unix socket that receives the pty master when the process has a terminal')
    .option('--cwd <dir>', 'working directory', '/')
    .option('-e, --env <NAME=value>', 'environment variable (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-u, --user <uid[:gid]>', 'user id, and group id', '0:0')
    .action(async (id: string, args: string[], o: ExecFlags, cmd: Command) => {
      const proc = processFrom(o, args);
      if (proc.terminal && o.detach && !o.consoleSocket) throw invalidArgument('cannot allocate a tty for a detached process without --console-socket');
      const { execContainer } = await import('../../runtime/execContainer.js');
      process.exitCode = await execContainer({
        root: runtimeRoot(cmd), id, process: proc, pidFile: o.pidFile,
        ...(o.detach ? { direct: true, consoleSocket: o.consoleSocket } : {}),
      });
    });
}

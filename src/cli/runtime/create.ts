import path from 'node:path';
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { runtimeRoot } from './runtimeRoot.js';

export interface BundleFlags { bundle: string; pidFile?: string; consoleSocket?: string }

export function bundleOptions(cmd: Command): Command {
  return cmd
    .option('-b, --bundle <dir>', 'path to the bundle (holds config.json)', '.')
    .option('--pid-file <file>', 'write the container process id to this file')
    .option('--console-socket <path>', 'unix socket that receives the pty master when process.terminal is set');
}

/** The `runtime` command above a verb. */
function runtimeCommand(cmd: Command): Command {
  let c: Command = cmd;
  while (c.parent && c.name() !== 'runtime') c = c.parent;
  return c;
}

export function registerCreate(rt: Command): void {
  bundleOptions(rt.command('create').description('create a container; its process waits for `start`').argument('<id>'))
    .option('--no-pivot', 'do not use pivot_root (move the rootfs onto / and chroot)')
    .option('--no-new-keyring', 'accepted for runc compatibility (no session keyring is made)')
    .option('--preserve-fds <n>', 'accepted for runc compatibility; only 0 is supported', '0')
    .action(async (id: string, o: BundleFlags & { pivot?: boolean; preserveFds: string }, cmd: Command) => {
      if (o.preserveFds !== '0') throw invalidArgument('--preserve-fds: passing extra file descriptors to the container is not supported');
      const { createContainer } = await import('../../runtime/createContainer.js');
      const { loadSpec } = await import('../../runtime/spec.js');
      const spec = loadSpec(path.resolve(o.bundle));
      if (spec.process?.terminal && !o.consoleSocket) {
        throw invalidArgument('cannot allocate a tty for a detached container without --console-socket', { hint: 'or use `berth runtime run` in the foreground' });
      }
      const c = await createContainer({
        root: runtimeRoot(cmd), id, bundle: o.bundle, spec, holdForStart: true,
        stdio: { mode: 'inherit' }, consoleSocket: o.consoleSocket, pidFile: o.pidFile,
        // --no-monitor (bin/berth-runtime): as runc, no process of ours stays behind and the init goes
        // to our caller's subreaper (containerd's shim reaps it); else berth's monitor keeps it.
        noMonitor: (runtimeCommand(cmd).opts() as { monitor?: boolean }).monitor === false, noPivot: o.pivot === false,
      });
      c.helper.detach();
    });
}

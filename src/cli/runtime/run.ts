import path from 'node:path';
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { bundleOptions, type BundleFlags } from './create.js';
import { runtimeRoot } from './runtimeRoot.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;

export function registerRun(rt: Command): void {
  bundleOptions(rt.command('run').description('create and start a container; wait for it unless --detach').argument('<id>'))
    .option('-d, --detach', 'do not wait for the container to exit')
    .option('--keep', 'keep the container\'s state after it exits')
    .action(async (id: string, o: BundleFlags & { detach?: boolean; keep?: boolean }, cmd: Command) => {
      const root = runtimeRoot(cmd);
      // Catch signals from the start; forward them once the init exists.
      let pid: number | undefined;
      const pending: NodeJS.Signals[] = [];
      const forward = (sig: NodeJS.Signals) => {
        if (pid === undefined) return void pending.push(sig);
        try { process.kill(pid, sig); } catch { /* gone */ }
      };
      for (const s of FORWARDED) process.on(s, forward);
      const { createContainer } = await import('../../runtime/createContainer.js');
      const { runHooksWarn } = await import('../../runtime/hooks.js');
      const { loadSpec } = await import('../../runtime/spec.js');
      const spec = loadSpec(path.resolve(o.bundle));
      // process.terminal without --console-socket: like runc in the foreground, we are the console.
      const ownTty = !!spec.process?.terminal && !o.consoleSocket;
      if (ownTty && o.detach) throw invalidArgument('cannot allocate a tty for a detached container without --console-socket');
      const attachSocket = ownTty ? path.join(root, id, 'attach.sock') : undefined;
      const c = await createContainer({
        root, id, bundle: o.bundle, spec, holdForStart: ownTty, stdio: { mode: 'inherit' }, consoleSocket: o.consoleSocket, pidFile: o.pidFile, attachSocket,
      });
      const session = attachSocket ? await consoleSession(root, id, attachSocket) : undefined;
      if (process.env.BERTH_TIMING && c.helperNs !== undefined) process.stderr.write(`berth: helper clone->exec ${(c.helperNs / 1e6).toFixed(3)} ms\n`);
      await runHooksWarn(c.spec.hooks, 'poststart', c.sd.poststartState());
      pid = c.state.pid;
      for (const s of pending.splice(0)) forward(s);
      if (o.detach) {
        for (const s of FORWARDED) process.off(s, forward);
        c.helper.detach();
        return;
      }
      await session;
      const code = await c.helper.exited;
      for (const s of FORWARDED) process.off(s, forward);
      c.helper.detach();
      if (!o.keep) await (await import('../../runtime/lifecycle.js')).deleteContainer(root, id, true);
      process.exitCode = code;
    });
}

/** Be the container's console: attach to the monitor's socket, release the init, proxy our terminal (raw). */
async function consoleSession(root: string, id: string, socket: string): Promise<void> {
  const { attachSession, connectAttach } = await import('../../engine/attachClient.js');
  const { startContainer } = await import('../../runtime/lifecycle.js');
  const sock = await connectAttach(socket);
  await startContainer(root, id);
  const raw = !!process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  try {
    await attachSession(sock, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, tty: true, detachKeys: [] });
  } finally {
    if (raw) process.stdin.setRawMode(false);
    process.stdin.destroy();
  }
}

import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { runtimeRoot } from './runtimeRoot.js';

/** `ps --format json ID`: the pids in the container's cgroup (containerd's `ctr task ps` asks the shim, the shim asks this). */
export function registerPs(rt: Command): void {
  rt.command('ps').description('list the processes of a container').argument('<id>').argument('[ps-options...]')
    .option('-f, --format <fmt>', 'table or json', 'table')
    .action(async (id: string, psArgs: string[], o: { format: string }, cmd: Command) => {
      const { openState } = await import('../../runtime/state.js');
      const { containerCgroup } = await import('../../runtime/hostCgroupLayout.js');
      const s = openState(runtimeRoot(cmd), id).read();
      const cg = s ? containerCgroup(s) : undefined;
      const pids = cg ? cg.pids() : s ? [s.pid] : [];
      if (o.format === 'json') {
        if (psArgs.length) throw invalidArgument('ps: options for ps(1) cannot be combined with --format json');
        return void process.stdout.write(JSON.stringify(pids) + '\n');
      }
      if (o.format !== 'table') throw invalidArgument(`ps --format: \`${o.format}\` is not table or json`);
      const { runPs } = await import('../../sys/runPs.js');
      process.stdout.write(runPs(psArgs.length ? psArgs : ['-ef'], pids));
    });
}

/** `features`: what this runtime supports, in runc's JSON shape (runtime-spec features.md). */
export function registerFeatures(rt: Command): void {
  rt.command('features').description('print the features this runtime supports (JSON)')
    .action(async () => {
      const { runcFeatures } = await import('../../runtime/runcShapes.js');
      const { CAPABILITIES } = await import('../../runtime/capabilities.js');
      const { RUNTIME_VERSION } = await import('./version.js');
      const apparmor = (await import('../../sys/hostAppArmor.js')).hostHasAppArmor();
      process.stdout.write(JSON.stringify(runcFeatures({ version: RUNTIME_VERSION, capabilities: [...CAPABILITIES], apparmor }), null, 4) + '\n');
    });
}

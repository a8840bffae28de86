import fs from 'node:fs';
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import type { LinuxResources } from '../../runtime/cgroups/types.js';
import type { UpdateOptions } from '../../runtime/cgroups/index.js';
import { runtimeRoot } from './runtimeRoot.js';

/** The container's cgroup, loading the cgroup code only when a verb needs it. */
async function containerCgroup(cmd: Command, id: string) {
  const { openState } = await import('../../runtime/state.js');
  const { containerCgroup } = await import('../../runtime/hostCgroupLayout.js');
  const sd = openState(runtimeRoot(cmd), id);
  const s = sd.read();
  if (!s?.cgroupPath) throw invalidArgument(`container \`${id}\` has no cgroup`);
  return { sd, cg: containerCgroup(s)! };
}

export function registerUpdate(rt: Command): void {
  rt.command('update').description('update the resource limits of a running container').argument('<id>')
    .option('-r, --resources <file>', 'a JSON file with OCI linux.resources (`-` for stdin)')
    .option('--memory <bytes>').option('--memory-reservation <bytes>').option('--memory-swap <bytes>')
    .option('--cpu-share <shares>').option('--cpu-quota <us>').option('--cpu-period <us>')
    .option('--cpuset-cpus <list>').option('--cpuset-mems <list>').option('--pids-limit <n>').option('--blkio-weight <w>')
    .action(async (id: string, o: UpdateOptions & { resources?: string; cpuShare?: string }, cmd: Command) => {
      const { cg } = await containerCgroup(cmd, id);
      let res: LinuxResources;
      if (o.resources) {
        res = JSON.parse(fs.readFileSync(o.resources === '-' ? 0 : o.resources, 'utf8')) as LinuxResources;
      } else {
        const { updateOptionsToResources } = await import('../../runtime/cgroups/index.js');
        res = updateOptionsToResources({ ...o, cpuShares: o.cpuShare });
      }
      cg.update(res);
    });
}

export function registerPauseResume(rt: Command): void {
  for (const [verb, freeze] of [['pause', true], ['resume', false]] as const) {
    rt.command(verb).description(freeze ? 'freeze every process of a container' : 'thaw a paused container').argument('<id>')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const { cg } = await containerCgroup(cmd, id);
        if (freeze) cg.freeze();
        else cg.thaw();
      });
  }
}

export function registerEvents(rt: Command): void {
  rt.command('events').description('print container statistics as JSON').argument('<id>')
    .option('--stats', 'print one statistics record and exit')
    .option('--interval <seconds>', 'seconds between records', '5')
    .action(async (id: string, o: { stats?: boolean; interval: string }, cmd: Command) => {
      const { sd, cg } = await containerCgroup(cmd, id);
      const { runcStats } = await import('../../runtime/runcShapes.js');
      const emit = () => process.stdout.write(JSON.stringify(runcStats(id, cg.stats())) + '\n');
      emit();
      if (o.stats) return;
      while (sd.status() !== 'stopped') {
        await new Promise((r) => setTimeout(r, Number(o.interval) * 1000));
        emit();
      }
    });
}

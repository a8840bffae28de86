/** `berth pod create|ls|ps|inspect|start|stop|restart|kill|pause|unpause|rm|prune|top|stats|logs|exists`. */
import type { Command } from 'commander';
import { exit1, forEachRef, storeOf } from '../container/common.js';
import { addPodCreateCommand } from './create.js';
import { addPodListCommand } from './ls.js';
import { addPodInspectCommand } from './inspect.js';
import { addPodLogsCommand, addPodStatsCommand, addPodTopCommand } from './observe.js';

export function registerPodCommands(program: Command): void {
  const pod = program.command('pod').description('Manage pods (containers sharing namespaces and a cgroup)');
  addPodCreateCommand(pod);
  addPodListCommand(pod);
  addPodInspectCommand(pod);
  const simple = (name: string, desc: string, fn: (store: Awaited<ReturnType<typeof storeOf>>, ref: string, o: Record<string, unknown>) => Promise<string>, opts: (c: Command) => Command = (c) => c) => {
    opts(pod.command(name).description(desc).argument('<pod...>'))
      .action(exit1(async (refs: string[], o: Record<string, unknown>, cmd: Command) => {
        const store = await storeOf(cmd);
        await forEachRef(refs, async (r) => fn(store, r, o));
      }));
  };
  const lc = () => import('../../engine/pods/podLifecycle.js');
  const timeout = (o: Record<string, unknown>) => (o.time === undefined ? undefined : Number(o.time));
  simple('start', 'Start one or more pods', async (s, r) => (await lc()).startPod(s, r));
  simple('stop', 'Stop one or more pods', async (s, r, o) => (await lc()).stopPod(s, r, timeout(o)), (c) => c.option('-t, --time <seconds>', 'Seconds to wait for stop before killing the containers'));
  simple('restart', 'Restart one or more pods', async (s, r, o) => (await lc()).restartPod(s, r, timeout(o)), (c) => c.option('-t, --time <seconds>', 'Seconds to wait for stop before killing the containers'));
  simple('kill', 'Send a signal to the containers of one or more pods', async (s, r, o) => (await lc()).killPod(s, r, o.signal as string | undefined), (c) => c.option('-s, --signal <string>', 'Signal to send to the containers', 'KILL'));
  simple('pause', 'Pause the containers of one or more pods', async (s, r) => (await lc()).pausePod(s, r, true));
  simple('unpause', 'Unpause the containers of one or more pods', async (s, r) => (await lc()).pausePod(s, r, false));
  pod.command('rm').description('Remove one or more pods').argument('[pod...]')
    .option('-f, --force', 'Stop and remove running pods')
    .option('-a, --all', 'Remove all pods')
    .action(exit1(async (refs: string[], o: { force?: boolean; all?: boolean }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { removePod } = await lc();
      if (o.all) refs = new (await import('../../engine/pods/PodStore.js')).PodStore(store.root).list().map((p) => p.Id);
      else if (!refs.length) throw (await import('../../errors.js')).invalidArgument('pod rm: give at least one pod, or --all');
      await forEachRef(refs, (r) => removePod(store, r, !!o.force));
    }));
  pod.command('prune').description('Remove every pod none of whose containers runs')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(exit1(async (_o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      for (const id of await (await lc()).prunePods(store)) process.stdout.write(`${id}\n`);
    }));
  pod.command('exists').description('Exit 0 if the pod exists, 1 if not').argument('<pod>')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const { PodStore } = await import('../../engine/pods/PodStore.js');
      try {
        new PodStore(store.root).find(ref);
      } catch {
        process.exitCode = 1;
      }
    });
  addPodTopCommand(pod);
  addPodStatsCommand(pod);
  addPodLogsCommand(pod);
}

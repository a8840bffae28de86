/** `pod top`, `pod stats`, `pod logs`: the container verbs over every container of a pod. */
import type { Command } from 'commander';
import { exit1, storeOf } from '../container/common.js';
import { STATS_HEADERS } from '../container/stats.js';
import type { ContainerStore } from '../../engine/ContainerStore.js';

async function members(store: ContainerStore, ref: string, withInfra: boolean) {
  const { PodStore } = await import('../../engine/pods/PodStore.js');
  const { podMembers } = await import('../../engine/pods/podContainers.js');
  return podMembers(store, new PodStore(store.root).find(ref)).filter((m) => withInfra || !m.infra);
}

export function addPodTopCommand(pod: Command): Command {
  return pod.command('top').description('Display the running processes of the containers of a pod')
    .argument('<pod>')
    .argument('[ps-options...]')
    .allowUnknownOption()
    .action(exit1(async (ref: string, ps: string[], _o: unknown, cmd: Command) => {
      const store = await storeOf(cmd);
      const { topContainer } = await import('../../engine/top.js');
      const { tabulate } = await import('../format/printFormatted.js');
      const running = (await members(store, ref, true)).filter((m) => m.state.Running);
      if (!running.length) throw (await import('../../errors.js')).conflict(`pod ${ref} has no running containers`);
      let titles: string[] = [];
      const lines: string[] = [];
      for (const m of running) {
        const t = topContainer(store, m.rec.Id, ps);
        titles = t.Titles;
        for (const p of t.Processes) lines.push([m.rec.Name.slice(1), ...p].join('\t'));
      }
      process.stdout.write(tabulate([['CONTAINER', ...titles].join('\t'), ...lines], 1, 3));
    }));
}

const POD_STATS_HEADERS = { ...STATS_HEADERS, Pod: 'POD' };
const STATS_DEFAULT = 'table {{.Pod}}\t{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

export function addPodStatsCommand(pod: Command): Command {
  return pod.command('stats').description('Display resource usage of the containers of pods')
    .argument('[pod...]')
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output')
    .option('--format <string>', 'Format output using a custom template')
    .action(exit1(async (refs: string[], o: { stream: boolean; trunc: boolean; format?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { sample, statsRow } = await import('../../engine/stats.js');
      const { PodStore } = await import('../../engine/pods/PodStore.js');
      const { printFormatted } = await import('../format/printFormatted.js');
      const pods = new PodStore(store.root);
      const names = refs.length ? refs : pods.list().map((p) => p.Id);
      const recs = async () => {
        const out = [];
        for (const r of names) {
          const p = pods.find(r);
          for (const m of await members(store, p.Id, false)) if (m.state.Running) out.push({ pod: p.Name, rec: m.rec });
        }
        return out;
      };
      let prev = new Map((await recs()).map((x) => [x.rec.Id, sample(store, x.rec)]));
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      for (;;) {
        await sleep(o.stream ? 1000 : 500);
        const list = await recs();
        const cur = list.map((x) => ({ pod: x.pod, s: sample(store, x.rec) }));
        const rows = cur.map((c) => ({ ...statsRow(prev.get(c.s.rec.Id) ?? c.s, c.s, o.trunc), Pod: c.pod }));
        const text = printFormatted(o.format ?? STATS_DEFAULT, rows, POD_STATS_HEADERS);
        if (!o.stream) {
          process.stdout.write(text);
          return;
        }
        process.stdout.write(`\x1b[2J\x1b[H${text}`);
        prev = new Map(cur.map((c) => [c.s.rec.Id, c.s]));
      }
    }));
}

/** `pod logs [-f] [--tail N] [-t] [-c CONTAINER] POD`: every container's log, each line prefixed with its name, in time order. */
export function addPodLogsCommand(pod: Command): Command {
  return pod.command('logs').description('Fetch the logs of the containers of a pod')
    .argument('<pod>')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <string>', 'Number of lines to show from the end of each log', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('-c, --container <name>', 'Only this container of the pod')
    .action(exit1(async (ref: string, o: { follow?: boolean; tail: string; timestamps?: boolean; container?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { followLogs, formatEntry, logSize, readLogs } = await import('../../engine/logs.js');
      const { liveState } = await import('../../engine/containerState.js');
      const tail = o.tail === 'all' ? undefined : Number(o.tail);
      if (tail !== undefined && !Number.isInteger(tail)) throw (await import('../../errors.js')).invalidArgument(`invalid value for "tail": ${o.tail}`);
      let ms = (await members(store, ref, false)).filter((m) => m.rec.HostConfig.LogConfig?.Type !== 'none');
      if (o.container) {
        const want = store.find(o.container).Id;
        ms = ms.filter((m) => m.rec.Id === want);
        if (!ms.length) throw (await import('../../errors.js')).notFound(`container ${o.container} is not in pod ${ref}`);
      }
      const width = Math.max(0, ...ms.map((m) => m.rec.Name.length - 1));
      const write = (name: string, e: { log: string; stream: string; time: string }) =>
        (e.stream === 'stderr' ? process.stderr : process.stdout).write(`${name.padEnd(width)} | ${formatEntry(e as never, !!o.timestamps)}`);
      const offsets = new Map(ms.map((m) => [m.rec.Id, logSize(store.logPath(m.rec.Id))]));
      const all = ms.flatMap((m) => readLogs(store.logPath(m.rec.Id), { tail }).map((e) => ({ name: m.rec.Name.slice(1), e })));
      all.sort((a, b) => (a.e.time < b.e.time ? -1 : a.e.time > b.e.time ? 1 : 0));
      for (const x of all) write(x.name, x.e);
      if (!o.follow) return;
      await Promise.all(ms.map((m) => followLogs(store.logPath(m.rec.Id), offsets.get(m.rec.Id) ?? 0, {}, (e) => write(m.rec.Name.slice(1), e), () => {
        const r = store.read(m.rec.Id);
        const st = r && liveState(store, r);
        return !st || !st.Running || !!st.monitorGone;
      })));
    }));
}

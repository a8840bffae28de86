import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

export const STATS_HEADERS = { ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' };
const DEFAULT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/** `stats [-a] [--no-stream] [--no-trunc] [--format] [CONTAINER...]`: live until interrupted unless --no-stream. */
export function addStatsCommand(parent: Command): Command {
  return parent.command('stats').description('Display a live stream of container(s) resource usage statistics')
    .argument('[container...]')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output')
    .option('--format <string>', 'Format output using a custom template')
    .action(exit1(async (refs: string[], o: { all?: boolean; stream: boolean; trunc: boolean; format?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { sample, statsRow } = await import('../../engine/stats.js');
      const { listContainers } = await import('../../engine/listContainers.js');
      const { printFormatted } = await import('../format/printFormatted.js');
      const recs = () => (refs.length ? refs.map((r) => store.find(r)) : listContainers(store, { all: o.all }).map((e) => e.rec));
      let prev = new Map(recs().map((r) => [r.Id, sample(store, r)]));
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      for (;;) {
        await sleep(o.stream ? 1000 : 500);
        const cur = recs().map((r) => sample(store, r));
        const rows = cur.map((c) => statsRow(prev.get(c.rec.Id) ?? c, c, o.trunc));
        const text = printFormatted(o.format ?? DEFAULT, rows, STATS_HEADERS);
        if (!o.stream) {
          process.stdout.write(text);
          return;
        }
        process.stdout.write(`\x1b[2J\x1b[H${text}`);
        prev = new Map(cur.map((c) => [c.rec.Id, c]));
      }
    }));
}

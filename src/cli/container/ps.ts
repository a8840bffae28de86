import type { Command } from 'commander';
import { collect, exit1, storeOf } from './common.js';

const HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
  State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS', Label: 'LABEL',
};
const DEFAULT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** `ps [-a] [-q] [-n N] [-l] [-s] [--no-trunc] [--filter k=v] [--format T]`. */
export function addPsCommand(parent: Command, name = 'ps'): Command {
  return parent.command(name).description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-q, --quiet', 'Only display container IDs')
    .option('-n, --last <int>', 'Show n last created containers (includes all states)')
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('-s, --size', 'Display total file sizes')
    .option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', 'Format output using a custom template')
    .action(exit1(async (o: { all?: boolean; quiet?: boolean; last?: string; latest?: boolean; size?: boolean; trunc: boolean; filter: string[]; format?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { damagedContainers, damagedRow, listContainers, psRow, reapAutoRemoved } = await import('../../engine/listContainers.js');
      await reapAutoRemoved(store);
      const { parseIntFlag } = await import('../../engine/parseFlags.js');
      const last = o.latest ? 1 : o.last === undefined ? undefined : parseIntFlag(o.last, '--last');
      const entries = listContainers(store, { all: o.all, last, filters: o.filter });
      // A record that cannot be read is reported and still listed (rm -f removes it), never hidden.
      const { damaged } = store.scan();
      for (const d of damaged) process.stderr.write(`berth: warning: container ${d.id}: its record ${d.file} is damaged (${d.error}); \`berth rm -f ${d.id.slice(0, 12)}\` removes it\n`);
      const hurt = damagedContainers(store, damaged, { all: o.all, last, filters: o.filter });
      if (o.quiet) {
        for (const id of [...hurt.map((e) => e.damaged.id), ...entries.map((e) => e.rec.Id)]) process.stdout.write(`${o.trunc ? id.slice(0, 12) : id}\n`);
        return;
      }
      const rows = entries.map((e) => psRow(e, o.trunc));
      const { portsColumn } = await import('../../engine/network.js');
      entries.forEach((e, i) => (rows[i].Ports = portsColumn(store, e.rec, e.state.Running)));
      // Docker's row method: {{.Label "com.example"}}
      entries.forEach((e, i) => (rows[i].Label = (key: string) => e.rec.Config.Labels?.[key] ?? ''));
      let format = o.format ?? DEFAULT;
      // As Docker's CLI: a template that shows .Size asks for the sizes too.
      if (o.size || o.format?.includes('.Size')) {
        const [{ containerSize }, { ImageStore }] = await Promise.all([import('../../engine/containerSize.js'), import('../../image/ImageStore.js')]);
        const images = new ImageStore(store.root);
        entries.forEach((e, i) => (rows[i].Size = containerSize(store, e.rec, images)));
        if (!o.format) format += '\t{{.Size}}';
      }
      const { printFormatted } = await import('../format/printFormatted.js');
      const hurtRows = hurt.map((e) => ({ ...damagedRow(e, o.trunc), Label: () => '' }));
      process.stdout.write(printFormatted(format, [...hurtRows, ...rows], HEADERS));
    }));
}

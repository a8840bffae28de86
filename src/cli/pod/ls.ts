import type { Command } from 'commander';
import { exit1, storeOf } from '../container/common.js';

const HEADERS: Record<string, string> = {
  ID: 'POD ID', Name: 'NAME', Status: 'STATUS', Created: 'CREATED', InfraID: 'INFRA ID', NumberOfContainers: '# OF CONTAINERS',
  Labels: 'LABELS', Networks: 'NETWORKS', Cgroup: 'CGROUP',
};
const DEFAULT = 'table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}\t{{.NumberOfContainers}}';

/** `pod ls|ps [-q] [--no-trunc] [--format T]`. */
export function addPodListCommand(pod: Command): Command {
  return pod.command('ls').alias('ps').alias('list').description('List pods')
    .option('-q, --quiet', 'Only display pod IDs')
    .option('--no-trunc', "Don't truncate output")
    .option('--format <string>', 'Format output using a custom template')
    .action(exit1(async (o: { quiet?: boolean; trunc: boolean; format?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { PodStore } = await import('../../engine/pods/PodStore.js');
      const { podMembers, podStatus } = await import('../../engine/pods/podContainers.js');
      const { humanDuration } = await import('../../engine/humanDuration.js');
      const id = (s: string | undefined) => (s ? (o.trunc ? s.slice(0, 12) : s) : '');
      const pods = new PodStore(store.root).list();
      if (o.quiet) {
        for (const p of pods) process.stdout.write(`${id(p.Id)}\n`);
        return;
      }
      const rows = pods.map((p) => {
        const ms = podMembers(store, p);
        return {
          ID: id(p.Id), Name: p.Name, Status: podStatus(ms), InfraID: id(p.InfraContainerId), NumberOfContainers: ms.length,
          Created: `${humanDuration(Math.max(0, (Date.now() - Date.parse(p.Created)) / 1000))} ago`, CreatedAt: p.Created,
          Labels: Object.entries(p.Labels).map(([k, v]) => `${k}=${v}`).join(','), Networks: p.InfraContainerId && p.SharedNamespaces.includes('net') ? p.Network : '',
          Cgroup: p.CgroupParent, Label: (k: string) => p.Labels[k] ?? '',
          Containers: ms.map((m) => ({ ID: id(m.rec.Id), Names: m.rec.Name.slice(1), Status: m.state.Status })),
        };
      });
      const { printFormatted } = await import('../format/printFormatted.js');
      process.stdout.write(printFormatted(o.format ?? DEFAULT, rows, HEADERS));
    }));
}

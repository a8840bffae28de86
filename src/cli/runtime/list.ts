import type { Command } from 'commander';
import { listIds, StateDir } from '../../runtime/state.js';
import { runtimeRoot } from './runtimeRoot.js';

export function registerList(rt: Command): void {
  rt.command('list').alias('ls').description('list containers')
    .option('-q, --quiet', 'print only the ids')
    .option('-f, --format <fmt>', 'table or json', 'table')
    .action((o: { quiet?: boolean; format: string }, cmd: Command) => {
      const root = runtimeRoot(cmd);
      const rows = listIds(root).map((id) => {
        const sd = new StateDir(root, id);
        const s = sd.read();
        const st = sd.ociState();
        return { id, pid: st.pid ?? 0, status: st.status, bundle: st.bundle, created: s?.created ?? '', owner: 'root' };
      });
      if (o.quiet) return void process.stdout.write(rows.map((r) => r.id + '\n').join(''));
      if (o.format === 'json') return void process.stdout.write(JSON.stringify(rows) + '\n');
      const table = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...rows.map((r) => [r.id, String(r.pid), r.status, r.bundle, r.created, r.owner])];
      const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
      process.stdout.write(table.map((row) => row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i] + 3) : c)).join('').trimEnd() + '\n').join(''));
    });
}

import type { Command } from 'commander';
import { shortId } from '../../image/digest.js';
import { humanSize, since } from '../format/units.js';
import { printFormatted } from '../format/printFormatted.js';
import { storeFor } from './store.js';

interface Opts {
  human: boolean;
  quiet?: boolean;
  trunc: boolean;
  format?: string;
}

/** `history IMAGE`: one row per history entry, newest first; layers get their sizes. */
export function addHistoryCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Show the history of an image')
    .argument('<image>')
    .option('-H, --human [bool]', 'Print sizes and dates in human readable format', (v) => v !== 'false', true)
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .option('--format <string>', 'Format output using a custom template')
    .action((ref: string, o: Opts, cmd: Command) => {
      const store = storeFor(cmd);
      const img = store.resolve(ref);
      const hist = img.config.history?.length ? img.config.history : img.config.rootfs.diff_ids.map(() => ({}) as { created?: string; created_by?: string; comment?: string; empty_layer?: boolean });
      let li = 0;
      const rows = hist.map((h) => {
        const size = h.empty_layer ? 0 : store.layers.info(img.config.rootfs.diff_ids[li++])?.size ?? 0;
        const created = h.created ? Date.parse(h.created) / 1000 : 0;
        let by = (h.created_by ?? '').replace(/\t/g, ' ');
        if (o.trunc && by.length > 45) by = `${by.slice(0, 44)}…`;
        return {
          ID: '<missing>',
          CreatedSince: o.human ? since(created) : h.created ?? '',
          CreatedAt: h.created ?? '',
          CreatedBy: by,
          Size: o.human ? humanSize(size) : String(size),
          Comment: h.comment ?? '',
        };
      }).reverse();
      if (rows.length) rows[0].ID = o.trunc ? shortId(img.id) : img.id;
      if (o.quiet) {
        process.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
        return;
      }
      const def = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
      process.stdout.write(printFormatted(o.format ?? def, rows, { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' }));
    });
}

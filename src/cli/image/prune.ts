import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { pruneImages } from '../../image/pruneImages.js';
import { collect } from './collect.js';
import { humanSize } from '../format/units.js';
import { storeFor } from './store.js';

async function confirm(msg: string): Promise<boolean> {
  process.stdout.write(msg);
  const rl = readline.createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return /^y(es)?$/i.test(line.trim());
    return false;
  } finally {
    rl.close();
  }
}

/** `image prune [-a] [-f] [--filter until=...|label=...]`. */
export function addPruneCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect, [])
    .action(async (o: { all?: boolean; force?: boolean; filter: string[] }, cmd: Command) => {
      const keeps = o.filter.map((f) => {
        const [k, ...rest] = f.split('=');
        const v = rest.join('=');
        if (k === 'until') {
          const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v) / 1000;
          const dur = /^(\d+)(h|m|s)$/.exec(v);
          const cutoff = dur ? Date.now() / 1000 - Number(dur[1]) * { h: 3600, m: 60, s: 1 }[dur[2] as 'h'] : t;
          if (!Number.isFinite(cutoff)) throw invalidArgument(`invalid filter 'until=${v}'`);
          return (created: number, _l: Record<string, string>) => created >= cutoff;
        }
        if (k === 'label' || k === 'label!') {
          const [lk, ...lv] = v.split('=');
          const has = (l: Record<string, string>) => lk in l && (lv.length === 0 || l[lk] === lv.join('='));
          return (_c: number, l: Record<string, string>) => (k === 'label' ? !has(l) : has(l));
        }
        throw invalidArgument(`invalid filter '${k}'`);
      });
      if (!o.force) {
        const warn = o.all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
        if (!(await confirm(`${warn}\nAre you sure you want to continue? [y/N] `))) return;
      }
      const r = await pruneImages(storeFor(cmd), { all: o.all, keep: (i) => keeps.some((k) => k(i.created, i.config.config?.Labels ?? {})) });
      if (r.ImagesDeleted.length) {
        process.stdout.write('Deleted Images:\n');
        for (const d of r.ImagesDeleted) process.stdout.write('Untagged' in d ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`);
        process.stdout.write('\n');
      }
      process.stdout.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
    });
}

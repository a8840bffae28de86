import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { shortId } from '../../image/digest.js';
import type { ImageRecord } from '../../image/ImageRecord.js';
import type { ImageStore } from '../../image/ImageStore.js';
import { familiarRepository, parseReference } from '../../image/reference.js';
import { collect } from './collect.js';
import { humanSize, since } from '../format/units.js';
import { printFormatted } from '../format/printFormatted.js';
import { storeFor } from './store.js';

interface Opts {
  all?: boolean;
  quiet?: boolean;
  digests?: boolean;
  trunc: boolean;
  format?: string;
  filter: string[];
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
}

/** A predicate for Docker's image filters: dangling, label, before, since, reference. */
export function imageFilter(store: ImageStore, filters: string[]): (img: ImageRecord, tag?: string) => boolean {
  const preds: ((img: ImageRecord, tag?: string) => boolean)[] = [];
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw invalidArgument(`bad format of filter (expected name=value): ${f}`);
    const k = f.slice(0, eq);
    const v = f.slice(eq + 1);
    if (k === 'dangling') {
      if (v !== 'true' && v !== 'false') throw invalidArgument(`invalid filter 'dangling=${v}'`);
      preds.push((i) => (i.tags.length === 0) === (v === 'true'));
    } else if (k === 'label') {
      const [lk, ...lv] = v.split('=');
      preds.push((i) => {
        const labels = i.config.config?.Labels ?? {};
        return lk in labels && (lv.length === 0 || labels[lk] === lv.join('='));
      });
    } else if (k === 'before' || k === 'since') {
      const ref = store.resolve(v);
      preds.push((i) => (k === 'before' ? i.created < ref.created : i.created > ref.created));
    } else if (k === 'reference') {
      const re = glob(v);
      preds.push((_i, tag) => {
        if (!tag) return false;
        const r = parseReference(tag);
        const repo = familiarRepository(r.repository);
        return re.test(repo) || re.test(`${repo}:${r.tag}`);
      });
    } else throw invalidArgument(`invalid filter '${k}'`);
  }
  return (img, tag) => preds.every((p) => p(img, tag));
}

export function imageRows(store: ImageStore, o: Opts, repo?: string) {
  const keep = imageFilter(store, o.filter);
  const want = repo ? parseReference(repo, false) : undefined;
  const rows: Record<string, unknown>[] = [];
  for (const img of store.list()) {
    if (img.buildCache && !o.all) continue; // a build step's image (Docker hides intermediate images too)
    const tags = img.tags.length ? img.tags : [undefined];
    for (const t of tags) {
      if (!keep(img, t)) continue;
      const r = t ? parseReference(t) : undefined;
      if (want && (!r || r.repository !== want.repository || (want.tag && r.tag !== want.tag))) continue;
      rows.push({
        Containers: 'N/A',
        CreatedAt: img.created ? new Date(img.created * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC') : '',
        CreatedSince: since(img.created),
        Digest: img.manifestDigests[0] ?? '<none>',
        ID: o.trunc ? shortId(img.id) : img.id,
        Repository: r ? familiarRepository(r.repository) : '<none>',
        SharedSize: 'N/A',
        Size: humanSize(img.size),
        Tag: r?.tag ?? '<none>',
        UniqueSize: 'N/A',
        VirtualSize: humanSize(img.size),
      });
    }
  }
  return rows;
}

const HEADERS = { Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE' };

/** `images` / `image ls`. */
export function addImagesCommand(parent: Command, name: string): Command {
  const c = parent
    .command(name)
    .description('List images')
    .argument('[repository]', 'REPOSITORY[:TAG]')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action((repo: string | undefined, o: Opts, cmd: Command) => {
      const rows = imageRows(storeFor(cmd), o, repo);
      if (o.quiet) {
        const seen = new Set<unknown>();
        for (const r of rows) if (!seen.has(r.ID)) { seen.add(r.ID); process.stdout.write(`${String(r.ID)}\n`); }
        return;
      }
      const def = o.digests ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}' : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
      process.stdout.write(printFormatted(o.format ?? def, rows, HEADERS));
    });
  if (name === 'ls') c.alias('list');
  return c;
}

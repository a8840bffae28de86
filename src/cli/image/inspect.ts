import type { Command } from 'commander';
import { isBerthError } from '../../errors.js';
import { notFound } from '../../errors.js';
import { renderTemplate } from '../format/renderTemplate.js';
import { inspectImage } from './inspectImage.js';
import { storeFor } from './store.js';

/** `image inspect IMAGE...`. */
export function addInspectCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Display detailed information on one or more images')
    .argument('<image...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action((refs: string[], o: { format?: string }, cmd: Command) => {
      const store = storeFor(cmd);
      const out: Record<string, unknown>[] = [];
      const missing: string[] = [];
      for (const r of refs) {
        try {
          out.push(inspectImage(store, store.resolve(r)));
        } catch (e) {
          if (!isBerthError(e, 'NotFound')) throw e;
          missing.push(r);
        }
      }
      if (o.format) for (const x of out) process.stdout.write(renderTemplate(o.format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), x) + '\n');
      else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
      if (missing.length) throw notFound(`No such image: ${missing.join(', ')}`, { exitCode: 1 });
    });
}

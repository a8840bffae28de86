import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/**
 * `inspect [-f T] [--type container|image] NAME...` (and `container inspect`):
 * containers in Docker's JSON shape; images through the image store's inspect.
 */
export function addInspectCommand(parent: Command, name: string, containersOnly: boolean): Command {
  const c = parent.command(name).description(containersOnly ? 'Display detailed information on one or more containers' : 'Return low-level information on berth objects')
    .argument('<name...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes');
  if (!containersOnly) c.option('--type <string>', 'Return JSON for specified type');
  return c.action(exit1(async (refs: string[], o: { format?: string; type?: string }, cmd: Command) => {
    const store = await storeOf(cmd);
    const { inspectContainer } = await import('../../engine/inspect.js');
    const { isBerthError, notFound } = await import('../../errors.js');
    const out: unknown[] = [];
    const missing: string[] = [];
    for (const r of refs) {
      try {
        if (o.type === 'image') throw notFound(r);
        out.push(inspectContainer(store, store.find(r)));
        continue;
      } catch (e) {
        if (!isBerthError(e, 'NotFound')) throw e;
      }
      if (!containersOnly && o.type !== 'container') {
        try {
          const { ImageStore } = await import('../../image/ImageStore.js');
          const { inspectImage } = await import('../image/inspectImage.js');
          const images = ImageStore.open(store.root);
          out.push(inspectImage(images, images.resolve(r)));
          continue;
        } catch (e) {
          if (!isBerthError(e, 'NotFound')) throw e;
        }
      }
      missing.push(r);
    }
    if (o.format) {
      const { renderTemplate } = await import('../format/renderTemplate.js');
      for (const x of out) process.stdout.write(renderTemplate(o.format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), x as never) + '\n');
    } else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    if (missing.length) throw notFound(`No such object: ${missing.join(', ')}`, { exitCode: 1 });
  }));
}

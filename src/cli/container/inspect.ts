import type { Command } from 'commander';
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { exit1, storeOf } from './common.js';

/** What top-level `inspect` searches, in Docker's order (docker/cli system/inspect.go). */
const TYPES = ['container', 'image', 'network', 'volume'] as const;
type ObjectType = (typeof TYPES)[number];

/** One object's inspect JSON by type; throws the type's own NotFound. */
async function inspectOne(store: ContainerStore, type: ObjectType, ref: string): Promise<unknown> {
  if (type === 'container') {
    const { inspectContainer } = await import('../../engine/inspect.js');
    return inspectContainer(store, store.find(ref));
  }
  if (type === 'image') {
    const { ImageStore } = await import('../../image/ImageStore.js');
    const { inspectImage } = await import('../image/inspectImage.js');
    const images = ImageStore.open(store.root);
    return inspectImage(images, images.resolve(ref));
  }
  if (type === 'network') {
    const { NetworkStore, ensureDefaultNetwork, DEFAULT_NETWORK } = await import('../../network/index.js');
    const { inspectJson } = await import('../network/format.js');
    const nets = new NetworkStore(store.root);
    // The default bridge exists for Docker from the start; berth makes it on first use.
    if (ref === DEFAULT_NETWORK && !nets.list().some((n) => n.name === ref)) await ensureDefaultNetwork(store.root);
    return inspectJson(nets.get(ref));
  }
  const { VolumeStore } = await import('../../engine/volumes.js');
  const { Anonymous: _a, ...v } = new VolumeStore(store.root).inspect(ref);
  return v;
}

/**
 * `inspect [-f T] [--type container|image|network|volume] NAME...` (and `container inspect`):
 * the first object of that name in Docker's order; with --type only that kind, and its own error.
 * Each missing name gets its own line on stderr; the found ones are still printed; exit 1.
 */
export function addInspectCommand(parent: Command, name: string, containersOnly: boolean): Command {
  const c = parent.command(name).description(containersOnly ? 'Display detailed information on one or more containers' : 'Return low-level information on berth objects')
    .argument('<name...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes');
  if (!containersOnly) c.option('--type <string>', 'Return JSON for specified type');
  return c.action(exit1(async (refs: string[], o: { format?: string; type?: string }, cmd: Command) => {
    const { describe, invalidArgument, isBerthError } = await import('../../errors.js');
    const constraint = containersOnly ? 'container' : o.type || undefined;
    if (constraint && !(TYPES as readonly string[]).includes(constraint)) throw invalidArgument(`"${constraint}" is not a valid value for --type`, { exitCode: 1 });
    const store = await storeOf(cmd);
    const out: unknown[] = [];
    const errors: string[] = [];
    for (const r of refs) {
      let found = false;
      for (const type of constraint ? [constraint as ObjectType] : TYPES) {
        try {
          out.push(await inspectOne(store, type, r));
          found = true;
          break;
        } catch (e) {
          if (!isBerthError(e, 'NotFound')) throw e;
          if (constraint) errors.push(describe(e));
        }
      }
      if (!found && !constraint) errors.push(`No such object: ${r}`);
    }
    if (o.format) {
      const { renderTemplate } = await import('../format/renderTemplate.js');
      for (const x of out) process.stdout.write(renderTemplate(o.format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), x as never) + '\n');
    } else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    for (const m of errors) process.stderr.write(`berth: ${m}\n`);
    if (errors.length) process.exitCode = 1;
  }));
}

import type { Command } from 'commander';
import { invalidArgument, notFound } from '../../errors.js';
import { familiarString, parseReference } from '../../image/reference.js';
import { RegistryClient } from '../../registry/client.js';
import { pushImage } from '../../registry/pushImage.js';
import { parseRemoteReference, toRemote } from '../../registry/reference.js';
import { silent } from '../../registry/Reporter.js';
import { Progress } from './Progress.js';
import { exitOneOnError } from './pull.js';
import { storeFor } from './store.js';

/** `push [-a] [-q] NAME[:TAG]`. */
export function addPushCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Upload an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('-q, --quiet', 'Suppress verbose output')
    .action((input: string, o: { allTags?: boolean; quiet?: boolean }, cmd: Command) =>
      exitOneOnError(async () => {
        const store = storeFor(cmd);
        const ref = parseRemoteReference(input, !o.allTags);
        if (ref.digest) throw invalidArgument('cannot push a digest reference', { exitCode: 1 });
        if (o.allTags && ref.tag) throw invalidArgument('tag can\'t be used with --all-tags/-a', { exitCode: 1 });
        const out = process.stdout;
        const report = o.quiet ? silent : new Progress(out);
        const tags = o.allTags
          ? store.list().flatMap((i) => i.tags).map((t) => parseReference(t)).filter((r) => r.repository === ref.repository && r.tag).map((r) => r.tag!)
          : [ref.tag!];
        if (tags.length === 0) throw notFound(`An image does not exist locally with the tag: ${familiarString(ref)}`, { exitCode: 1 });
        if (!o.allTags && !store.tagFor(familiarString(ref))) throw notFound(`An image does not exist locally with the tag: ${familiarString({ repository: ref.repository })}`, { exitCode: 1 });
        report.line(`The push refers to repository [${familiarString({ repository: ref.repository })}]`);
        const client = RegistryClient.forRef(ref);
        for (const tag of [...new Set(tags)].sort()) await pushImage(store, { ...toRemote({ repository: ref.repository, tag }), tag }, { report, client });
        if (o.quiet) out.write(`${familiarString(ref)}\n`);
      }),
    );
}

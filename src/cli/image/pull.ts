import type { Command } from 'commander';
import { BerthError } from '../../errors.js';
import { parsePlatform } from '../../image/manifest.js';
import { familiarString, fullString } from '../../image/reference.js';
import { RegistryClient } from '../../registry/client.js';
import { closeIdleConnections } from '../../registry/http.js';
import { pullImage } from '../../registry/pullImage.js';
import { parseRemoteReference, type RemoteRef } from '../../registry/reference.js';
import { silent } from '../../registry/Reporter.js';
import { Progress } from './Progress.js';
import { storeFor } from './store.js';

/** Docker exits 1 for every pull/push/login failure (the daemon's errors), including a bad reference. */
export async function exitOneOnError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BerthError && e.exitCode === undefined) throw new BerthError(e.kind, e.message, { code: e.code, hint: e.hint, exitCode: 1, cause: e });
    throw e;
  } finally {
    closeIdleConnections();
  }
}

interface PullFlags {
  allTags?: boolean;
  platform?: string;
  quiet?: boolean;
}

/** `pull [-a] [-q] [--platform os/arch[/variant]] NAME[:TAG|@DIGEST]`. */
export function addPullCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Download an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--platform <platform>', 'Set platform if server is multi-platform capable')
    .option('-q, --quiet', 'Suppress verbose output')
    .action((input: string, o: PullFlags, cmd: Command) =>
      exitOneOnError(async () => {
        const store = storeFor(cmd);
        const platform = o.platform ? parsePlatform(o.platform) : undefined;
        const ref = parseRemoteReference(input, !o.allTags);
        const out = process.stdout;
        const report = o.quiet ? silent : new Progress(out);
        if (o.allTags) {
          if (ref.tag || ref.digest) throw new BerthError('InvalidArgument', 'tag can\'t be used with --all-tags/-a', { exitCode: 1 });
          const client = RegistryClient.forRef(ref);
          const tags = await client.listTags(ref.path);
          let any = false;
          for (const tag of tags) {
            const r = await pullImage(store, { ...ref, tag }, { platform, report, client });
            any ||= r.downloaded;
          }
          if (!o.quiet) out.write(`Status: ${any ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}\n`);
          out.write(`${ref.repository}\n`);
          return;
        }
        if (!o.quiet && !/[:@][^/]*$/.test(input)) out.write('Using default tag: latest\n');
        const r = await pullImage(store, ref, { platform, report });
        if (!o.quiet) out.write(`Status: ${r.downloaded ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}\n`);
        out.write(`${fullString(ref as RemoteRef)}\n`);
      }),
    );
}

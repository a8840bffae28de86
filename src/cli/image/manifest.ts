import type { Command } from 'commander';
import { RegistryClient } from '../../registry/client.js';
import { manifestReference, parseRemoteReference } from '../../registry/reference.js';
import { familiarString } from '../../image/reference.js';
import { exitOneOnError } from './pull.js';

/** `manifest inspect NAME[:TAG|@DIGEST]`: the registry's manifest or index, verified, as indented JSON. */
export function addManifestCommands(program: Command): void {
  const m = program.commands.find((c) => c.name() === 'manifest') ?? program.command('manifest').description('Inspect image manifests in a registry');
  m.command('inspect')
    .description('Display an image manifest, or manifest list')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('--insecure', 'Allow communication with an insecure registry (berth: loopback and insecure-registries only)')
    .option('-v, --verbose', 'Output additional info including layers and platform')
    .action((input: string, o: { verbose?: boolean }) =>
      exitOneOnError(async () => {
        const ref = parseRemoteReference(input);
        const client = RegistryClient.forRef(ref);
        const got = await client.getManifest(ref.path, manifestReference(ref), familiarString(ref));
        const parsed = JSON.parse(got.buf.toString('utf8')) as unknown;
        const out = o.verbose ? { Ref: familiarString(ref), Descriptor: { mediaType: got.mediaType, digest: got.digest, size: got.buf.length }, Raw: got.buf.toString('base64'), Manifest: parsed } : parsed;
        process.stdout.write(`${JSON.stringify(out, null, 3)}\n`);
      }),
    );
}

import fs from 'node:fs';
import type { Command } from 'commander';
import { action, loadFor } from './options.js';

/** `compose config [--services|--volumes|--profiles|--images|-q] [--format yaml|json] [SERVICE...]`: the normalised model. */
export function addConfigCommand(parent: Command): void {
  parent.command('config').description('Parse, resolve and render compose file in canonical format')
    .argument('[service...]')
    .option('--services', 'Print the service names, one per line')
    .option('--volumes', 'Print the volume names, one per line')
    .option('--networks', 'Print the network names, one per line')
    .option('--profiles', 'Print the profile names, one per line')
    .option('--images', 'Print the image names, one per line')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything')
    .option('--format <format>', 'Format the output. Values: [yaml | json]', 'yaml')
    .option('-o, --output <file>', 'Save to file (default to stdout)')
    .action(action(async (services: string[], o: { services?: boolean; volumes?: boolean; networks?: boolean; profiles?: boolean; images?: boolean; quiet?: boolean; format: string; output?: string }, cmd: Command) => {
      const p = await loadFor(cmd, services);
      if (o.quiet) return;
      const lines = (l: string[]): void => void process.stdout.write(l.map((x) => `${x}\n`).join(''));
      if (o.services) return lines(Object.keys(p.services).sort());
      if (o.volumes) return lines(Object.keys(p.volumes).sort());
      if (o.networks) return lines(Object.keys(p.networks).sort());
      if (o.profiles) return lines([...new Set([...Object.values(p.services), ...p.disabled.map(() => undefined)].flatMap((s) => s?.profiles ?? []))].sort());
      if (o.images) return lines(Object.entries(p.services).map(([n, s]) => s.image ?? `${p.name}-${n}`));
      const model = services.length ? { ...p.model, services: Object.fromEntries(Object.entries(p.model.services as object).filter(([n]) => services.includes(n))) } : p.model;
      let text: string;
      if (o.format === 'json') text = `${JSON.stringify(model, null, 2)}\n`;
      else if (o.format === 'yaml') text = (await import('yaml')).default.stringify(model, { lineWidth: 0, aliasDuplicateObjects: false });
      else {
        const { configError } = await import('../../compose/configError.js');
        throw configError(`unsupported format "${o.format}": use yaml or json`);
      }
      if (o.output) fs.writeFileSync(o.output, text);
      else process.stdout.write(text);
    }));
}

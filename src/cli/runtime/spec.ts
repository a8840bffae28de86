import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { alreadyExists } from '../../errors.js';

export function registerSpec(rt: Command): void {
  rt.command('spec').description('write a template config.json into the bundle directory')
    .option('-b, --bundle <dir>', 'where to write config.json', '.')
    .action(async (o: { bundle: string }) => {
      const { defaultSpec } = await import('../../runtime/defaultSpec.js');
      const file = path.join(o.bundle, 'config.json');
      if (fs.existsSync(file)) throw alreadyExists(`\`${file}\` already exists`, { hint: 'remove it first' });
      fs.writeFileSync(file, JSON.stringify(defaultSpec(), null, 2) + '\n');
    });
}

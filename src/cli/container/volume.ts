import type { Command } from 'commander';
import { collect, exit1, forEachRef, storeOf } from './common.js';
import { confirm, human } from './prune.js';

/** `volume create|ls|inspect|rm|prune`. */
export function addVolumeCommands(program: Command): void {
  const volume = program.command('volume').description('Manage volumes');
  volume.command('create').description('Create a volume')
    .argument('[name]')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <list>', 'Set metadata for a volume', collect, [])
    .option('-o, --opt <map>', 'Set driver specific options', collect, [])
    .action(exit1(async (name: string | undefined, o: { driver: string; label: string[] }, cmd: Command) => {
      const { invalidArgument } = await import('../../errors.js');
      if (o.driver !== 'local') throw invalidArgument(`volume driver "${o.driver}" is not supported: only local`);
      const store = await storeOf(cmd);
      const { VolumeStore } = await import('../../engine/volumes.js');
      const { parseLabels } = await import('../../engine/parseFlags.js');
      process.stdout.write(`${new VolumeStore(store.root).create(name, parseLabels(o.label)).volume.Name}\n`);
    }));
  for (const name of ['ls', 'list']) {
    volume.command(name).description('List volumes')
      .option('-q, --quiet', 'Only display volume names')
      .option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true")', collect, [])
      .option('--format <string>', 'Format output using a custom template')
      .action(exit1(async (o: { quiet?: boolean; filter: string[]; format?: string }, cmd: Command) => {
        const store = await storeOf(cmd);
        const { VolumeStore } = await import('../../engine/volumes.js');
        const vs = new VolumeStore(store.root);
        let list = vs.list();
        for (const f of o.filter) {
          const [k, v] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
          if (k === 'dangling') list = list.filter((x) => (vs.users(x.Name, store).length === 0) === (v === 'true' || v === '1'));
          else if (k === 'name') list = list.filter((x) => x.Name.includes(v));
          else if (k === 'label') list = list.filter((x) => x.Labels && v.split('=')[0] in x.Labels && (!v.includes('=') || x.Labels[v.split('=')[0]] === v.split('=').slice(1).join('=')));
        }
        if (o.quiet) {
          for (const v of list) process.stdout.write(`${v.Name}\n`);
          return;
        }
        const { printFormatted } = await import('../format/printFormatted.js');
        const rows = list.map((v) => ({ Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Scope: v.Scope, Labels: Object.entries(v.Labels ?? {}).map(([a, b]) => `${a}=${b}`).join(',') }));
        process.stdout.write(printFormatted(o.format ?? 'table {{.Driver}}\t{{.Name}}', rows, { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS' }));
      }));
  }
  volume.command('inspect').description('Display detailed information on one or more volumes')
    .argument('<volume...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(exit1(async (names: string[], o: { format?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { VolumeStore } = await import('../../engine/volumes.js');
      const vs = new VolumeStore(store.root);
      const out = names.map((n) => {
        const { Anonymous: _a, ...v } = vs.inspect(n);
        return v;
      });
      if (o.format) {
        const { renderTemplate } = await import('../format/renderTemplate.js');
        for (const v of out) process.stdout.write(renderTemplate(o.format, v as never) + '\n');
      } else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    }));
  volume.command('rm').alias('remove').description('Remove one or more volumes')
    .argument('<volume...>')
    .option('-f, --force', 'Force the removal of one or more volumes')
    .action(exit1(async (names: string[], o: { force?: boolean }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { VolumeStore } = await import('../../engine/volumes.js');
      const vs = new VolumeStore(store.root);
      await forEachRef(names, async (n) => {
        vs.remove(n, store, o.force);
        return n;
      });
    }));
  volume.command('prune').description('Remove unused local volumes')
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<label>")', collect, [])
    .action(exit1(async (o: { all?: boolean; force?: boolean; filter: string[] }, cmd: Command) => {
      const which = o.all ? 'all local volumes' : 'anonymous local volumes';
      if (!(await confirm(`WARNING! This will remove ${which} not used by at least one container.`, o.force))) return;
      const store = await storeOf(cmd);
      const { pruneVolumes } = await import('../../engine/prune.js');
      const r = pruneVolumes(store, !!o.all, o.filter);
      if (r.deleted.length) process.stdout.write(`Deleted Volumes:\n${r.deleted.map((d) => `${d}\n`).join('')}\n`);
      process.stdout.write(`Total reclaimed space: ${human(r.reclaimed)}\n`);
    }));
}

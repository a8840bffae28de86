import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { collect, exit1, storeOf } from './common.js';

/** Docker's prune prompt (on stdout); only `y` or `yes` goes on. */
export async function confirm(question: string, force?: boolean): Promise<boolean> {
  if (force) return true;
  process.stdout.write(`${question}\nAre you sure you want to continue? [y/N] `);
  const rl = createInterface({ input: process.stdin });
  const answer: string = await new Promise((r) => {
    rl.once('line', r);
    rl.once('close', () => r(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

export { human } from '../../engine/containerSize.js';
import { human } from '../../engine/containerSize.js';

/** `container prune [-f] [--filter]`. */
export function addContainerPruneCommand(container: Command): Command {
  return container.command('prune').description('Remove all stopped containers')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect, [])
    .action(exit1(async (o: { force?: boolean; filter: string[] }, cmd: Command) => {
      if (!(await confirm('WARNING! This will remove all stopped containers.', o.force))) return;
      const store = await storeOf(cmd);
      const { pruneContainers } = await import('../../engine/prune.js');
      const r = await pruneContainers(store, o.filter);
      if (r.deleted.length) process.stdout.write(`Deleted Containers:\n${r.deleted.map((d) => `${d}\n`).join('')}\n`);
      process.stdout.write(`Total reclaimed space: ${human(r.reclaimed)}\n`);
    }));
}

/** `system prune [-a] [-f] [--volumes]`: stopped containers, (volumes), then images via the image store. */
export function addSystemPruneCommand(system: Command): Command {
  return system.command('prune').description('Remove unused data')
    .option('-a, --all', 'Remove all unused images not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--volumes', 'Prune anonymous volumes')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<key>=<value>")', collect, [])
    .action(exit1(async (o: { all?: boolean; force?: boolean; volumes?: boolean; filter: string[] }, cmd: Command) => {
      const what = ['all stopped containers', 'all networks not used by at least one container', ...(o.volumes ? ['all anonymous volumes not used by at least one container'] : []), o.all ? 'all images without at least one container associated to them' : 'all dangling images'];
      if (!(await confirm(`WARNING! This will remove:\n${what.map((w) => `  - ${w}\n`).join('')}`, o.force))) return;
      const store = await storeOf(cmd);
      const { pruneContainers, pruneVolumes } = await import('../../engine/prune.js');
      const c = await pruneContainers(store, o.filter);
      if (c.deleted.length) process.stdout.write(`Deleted Containers:\n${c.deleted.map((d) => `${d}\n`).join('')}\n`);
      const { reconcileNetworks } = await import('../../engine/network.js');
      const { liveState } = await import('../../engine/containerState.js');
      await reconcileNetworks(store, (r) => liveState(store, r).Running);
      if (!o.filter.length) { // (network prune takes no filters yet: with --filter, networks are left alone)
        const { pruneNetworks } = await import('../../network/index.js');
        const n = await pruneNetworks(store.root);
        if (n.length) process.stdout.write(`Deleted Networks:\n${n.map((d) => `${d}\n`).join('')}\n`);
      }
      let reclaimed = c.reclaimed;
      if (o.volumes) {
        const v = pruneVolumes(store, false, o.filter);
        if (v.deleted.length) process.stdout.write(`Deleted Volumes:\n${v.deleted.map((d) => `${d}\n`).join('')}\n`);
        reclaimed += v.reclaimed;
      }
      const { ImageStore } = await import('../../image/ImageStore.js');
      const { pruneImages } = await import('../../image/pruneImages.js');
      const ir = await pruneImages(ImageStore.open(store.root), { all: !!o.all });
      const del = ir.ImagesDeleted.map((d) => ('Untagged' in d ? `untagged: ${d.Untagged}` : `deleted: ${d.Deleted}`));
      if (del.length) process.stdout.write(`Deleted Images:\n${del.map((d) => `${d}\n`).join('')}\n`);
      reclaimed += ir.SpaceReclaimed;
      process.stdout.write(`Total reclaimed space: ${human(reclaimed)}\n`);
    }));
}

/**
 * `system reset [-f]` (berth's own): everything under this root goes — containers (running ones
 * too), networks with their bridges and firewall chains (the default bridge too), volumes,
 * images — and the bridges of berth roots deleted by hand. Afterwards the root can be deleted
 * and nothing of it stays on the machine.
 */
export function addSystemResetCommand(system: Command): Command {
  return system.command('reset').description('Remove everything under this root: containers, images, volumes, networks, bridges and firewall rules')
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(exit1(async (o: { force?: boolean }, cmd: Command) => {
      const store = await storeOf(cmd);
      const what = ['all containers, running ones too', 'all networks, the default bridge too, with their firewall rules', 'all volumes', 'all images', 'the bridges of berth roots that no longer exist'];
      if (!(await confirm(`WARNING! This will remove everything berth keeps under ${store.root}:\n${what.map((w) => `  - ${w}\n`).join('')}`, o.force))) return;
      const { resetRoot } = await import('../../engine/resetRoot.js');
      const r = await resetRoot(store);
      const section = (title: string, lines: string[]) => lines.length && process.stdout.write(`${title}:\n${lines.map((l) => `${l}\n`).join('')}\n`);
      section('Deleted Containers', r.containers);
      section('Deleted Networks', r.networks);
      section('Deleted Volumes', r.volumes);
      section('Deleted Images', r.images);
      section('Deleted Orphaned Bridges', r.orphans.map((b) => `${b.bridge}\t(root ${b.root})`));
      process.stdout.write(`Total reclaimed space: ${human(r.reclaimed)}\n`);
      for (const e of r.errors) process.stderr.write(`berth: ${e}\n`);
      if (r.errors.length) process.exitCode = 1;
    }));
}

import path from 'node:path';
import type { Command } from 'commander';
import { failedPrecondition } from '../../errors.js';
import { checkStore, leftovers } from '../../image/checkStore.js';
import { shortId } from '../../image/digest.js';
import { diskUsage } from '../../image/diskUsage.js';
import { familiarRepository, parseReference } from '../../image/reference.js';
import { humanSize, since } from '../format/units.js';
import { printFormatted } from '../format/printFormatted.js';
import { storeFor } from './store.js';

/** Docker's `12.3MB (45%)`: the percentage truncated, and left out when there is nothing at all. */
const pct = (part: number, whole: number) => (whole ? ` (${Math.floor((part * 100) / whole)}%)` : '');

/** `system df [-v] [--format]`: shared layers are counted once. */
export function addDfCommand(system: Command): Command {
  return system
    .command('df')
    .description('Show berth disk usage')
    .option('-v, --verbose', 'Show detailed information on space usage')
    .option('--format <string>', 'Format output using a custom template')
    .action(async (o: { verbose?: boolean; format?: string }, cmd: Command) => {
      const store = storeFor(cmd);
      const du = diskUsage(store);
      const { volumeUsage } = await import('../../engine/volumeUsage.js');
      const vols = volumeUsage(store.root);
      const vsize = vols.reduce((a, v) => a + v.size, 0);
      const vfree = vols.filter((v) => v.links === 0).reduce((a, v) => a + v.size, 0);
      const rows = [
        { Type: 'Images', TotalCount: String(du.images.total), Active: String(du.images.active), Size: humanSize(du.images.size), Reclaimable: `${humanSize(du.images.reclaimable)}${pct(du.images.reclaimable, du.images.size)}` },
        { Type: 'Containers', TotalCount: String(du.containers.total), Active: String(du.containers.active), Size: humanSize(du.containers.size), Reclaimable: `${humanSize(du.containers.reclaimable)}${pct(du.containers.reclaimable, du.containers.size)}` },
        { Type: 'Local Volumes', TotalCount: String(vols.length), Active: String(vols.filter((v) => v.links > 0).length), Size: humanSize(vsize), Reclaimable: `${humanSize(vfree)}${pct(vfree, vsize)}` },
        { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: '0B', Reclaimable: '0B' },
      ];
      if (!o.verbose) {
        const def = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
        process.stdout.write(printFormatted(o.format ?? def, rows, { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' }));
        return;
      }
      process.stdout.write(`Images space usage:\n\n`);
      const irows = du.images.items.flatMap((it) => (it.image.tags.length ? it.image.tags : ['<none>:<none>']).map((t) => {
        const r = t.startsWith('<none>') ? undefined : parseReference(t);
        return {
          Repository: r ? familiarRepository(r.repository) : '<none>', Tag: r?.tag ?? '<none>', ID: shortId(it.image.id), CreatedSince: since(it.image.created),
          Size: humanSize(it.image.size), SharedSize: humanSize(it.shared), UniqueSize: humanSize(it.unique), Containers: String(it.containers),
        };
      }));
      process.stdout.write(printFormatted('table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}', irows,
        { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS' }));
      process.stdout.write(`\nContainers space usage:\n\n`);
      // As `docker system df -v`: ps's columns (newest first) plus the volumes each mounts and its writable layer's size.
      const { ContainerStore } = await import('../../engine/ContainerStore.js');
      const { listContainers, psRow } = await import('../../engine/listContainers.js');
      const sizes = new Map(du.containers.items.map((c) => [c.id, c.size]));
      const crows = listContainers(new ContainerStore(store.root), { all: true }).map((e) => ({
        ...psRow(e, true), LocalVolumes: String(e.rec.Mounts.filter((m) => m.Type === 'volume').length), Size: humanSize(sizes.get(e.rec.Id) ?? 0),
      }));
      process.stdout.write(printFormatted('table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}', crows,
        { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES' }));
      process.stdout.write(`\nLocal Volumes space usage:\n\n`);
      const vrows = vols.map((v) => ({ Name: v.name, Links: String(v.links), Size: humanSize(v.size) }));
      process.stdout.write(printFormatted('table {{.Name}}\t{{.Links}}\t{{.Size}}', vrows, { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' }));
      process.stdout.write(`\nBuild cache usage: 0B\n\n`);
      process.stdout.write(printFormatted('table {{.ID}}\t{{.Type}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}', [],
        { ID: 'CACHE ID', Type: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED' }));
    });
}

/**
 * `system check [--repair] [--orphan-root PATH]`: the image store (every blob digest and
 * reference), the root's containers (records, runtime state, monitors, cgroups, netns mounts,
 * network allocations, volumes in use, names) and what deleted roots left on the host
 * (monitors, cgroups, netns mounts). `--repair` fixes what it can, printing each action.
 * Exit 1 while a problem remains.
 */
export function addCheckCommand(system: Command): Command {
  return system
    .command('check')
    .description('Verify the image store, the containers of this root, and what deleted roots left running on the host')
    .option('--repair', 'Fix what can be fixed (remove leftovers, release leaked addresses, end orphans), printing each action')
    .option('--orphan-root <path>', 'Only list (and repair) the orphans of this deleted root')
    .action(async (o: { repair?: boolean; orphanRoot?: string }, cmd: Command) => {
      const store = storeFor(cmd);
      const problems = await checkStore(store);
      const junk = leftovers(store);
      for (const p of problems) process.stdout.write(`${p}\n`);
      if (junk.length && o.repair) {
        const { removeLeftovers } = await import('../../image/gc.js');
        process.stdout.write(`${junk.length} leftover temporary file(s) from interrupted operations\n`);
        await removeLeftovers(store);
        process.stdout.write(`  repaired: removed them\n`);
      } else if (junk.length) process.stdout.write(`${junk.length} leftover temporary file(s) from interrupted operations (removed by image prune or system check --repair)\n`);
      if (!problems.length) process.stdout.write('image store is consistent\n');
      const remaining = problems.length + (await checkContainers(store.root, o));
      if (remaining) throw failedPrecondition(`${remaining} problem(s) remain`, { exitCode: 1 });
    });
}

/** The containers' and the orphans' part; returns how many problems remain. */
async function checkContainers(root: string, o: { repair?: boolean; orphanRoot?: string }): Promise<number> {
  const { ContainerStore } = await import('../../engine/ContainerStore.js');
  const { checkRoot } = await import('../../engine/checkRoot.js');
  const { checkOrphans } = await import('../../engine/checkOrphans.js');
  const orphans = checkOrphans({ root: o.orphanRoot === undefined ? undefined : path.resolve(o.orphanRoot), skipRoot: root });
  // Orphans first: a monitor of a deleted root would restart what the cgroup repair kills.
  const findings = [...orphans.findings, ...(await checkRoot(new ContainerStore(root)))];
  let remaining = 0;
  for (const f of findings) {
    process.stdout.write(`${f.message}\n`);
    if (!o.repair || !f.repair) {
      remaining++;
      continue;
    }
    try {
      await f.repair.run();
      process.stdout.write(`  repaired: ${f.repair.action}\n`);
    } catch (e) {
      remaining++;
      process.stdout.write(`  not repaired: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  if (orphans.unknownCgroups) process.stdout.write(`note: ${orphans.unknownCgroups} cgroup(s) under berth/ have no owner record (made by an older berth): not checked\n`);
  if (!findings.length) process.stdout.write('containers are consistent; no orphans found\n');
  return remaining;
}

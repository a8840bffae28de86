import type { Command } from 'commander';
import fs from 'node:fs';
import { globalRoot } from '../globals.js';
import { describe, invalidArgument } from '../../errors.js';
import { exit1 } from '../container/common.js';
import {
  NetworkStore, createNetwork, removeNetwork, pruneNetworks, ensureDefaultNetwork, attachContainer,
} from '../../network/index.js';
import { inspectJson, lsTable, parseLabels } from './format.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** `berth network create|ls|inspect|rm|prune|connect|disconnect`. */
export function registerNetworkCommands(program: Command): void {
  const net = program.command('network').description('Manage networks');

  net.command('create <name>').description('Create a network')
    .option('-d, --driver <driver>', 'driver to manage the network', 'bridge')
    .option('--subnet <cidr>', 'subnet in CIDR format')
    .option('--gateway <ip>', 'IPv4 gateway for the subnet')
    .option('--internal', 'restrict external access to the network')
    .option('--label <k=v>', 'set metadata on a network', collect, [] as string[])
    .action(async (name: string, o: { driver: string; subnet?: string; gateway?: string; internal?: boolean; label: string[] }, cmd: Command) => {
      if (o.driver !== 'bridge') throw invalidArgument(`plugin "${o.driver}" not found (berth supports the bridge driver)`);
      if (o.gateway && !o.subnet) throw invalidArgument('--gateway needs --subnet');
      const n = await createNetwork(globalRoot(cmd), { name, subnet: o.subnet, gateway: o.gateway, internal: !!o.internal, labels: parseLabels(o.label) });
      process.stdout.write(`${n.id}\n`);
    });

  net.command('ls').alias('list').description('List networks')
    .option('-q, --quiet', 'only display network IDs')
    .option('--no-trunc', 'do not truncate the output')
    .option('--format <string>', 'Format output using a custom template (table, json, or a Go template)')
    .action(async (o: { quiet?: boolean; trunc: boolean; format?: string }, cmd: Command) => {
      const root = globalRoot(cmd);
      await ensureDefaultNetwork(root);
      const nets = new NetworkStore(root).list();
      if (o.quiet) process.stdout.write(nets.map((n) => (o.trunc ? n.id.slice(0, 12) : n.id) + '\n').join(''));
      else if (o.format) {
        const { printFormatted } = await import('../format/printFormatted.js');
        const rows = nets.map((n) => ({
          ID: o.trunc ? n.id.slice(0, 12) : n.id, Name: n.name, Driver: n.driver, Scope: 'local', IPv6: 'false',
          Internal: String(!!n.internal), Labels: Object.entries(n.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','), CreatedAt: n.created ?? '',
        }));
        const headers = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' };
        process.stdout.write(printFormatted(o.format, rows, headers));
      } else process.stdout.write(lsTable(nets, !o.trunc));
    });

  net.command('inspect <network...>').description('Display detailed information on one or more networks')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(async (refs: string[], o: { format?: string }, cmd: Command) => {
      const root = globalRoot(cmd);
      if (refs.includes('bridge')) await ensureDefaultNetwork(root);
      const store = new NetworkStore(root);
      const found = [];
      const errors: string[] = [];
      for (const r of refs) {
        try {
          found.push(inspectJson(store.get(r)));
        } catch (e) {
          errors.push(describe(e));
        }
      }
      if (o.format) {
        const { renderTemplate } = await import('../format/renderTemplate.js');
        for (const x of found) process.stdout.write(renderTemplate(o.format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), x as never) + '\n');
      } else {
        process.stdout.write(JSON.stringify(found, null, 4) + '\n');
      }
      if (errors.length) {
        for (const e of errors) process.stderr.write(`berth: ${e}\n`);
        process.exitCode = 1;
      }
    });

  net.command('rm <network...>').alias('remove').description('Remove one or more networks')
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const root = globalRoot(cmd);
      for (const r of refs) {
        try {
          await removeNetwork(root, r);
          process.stdout.write(`${r}\n`);
        } catch (e) {
          process.stderr.write(`berth: ${describe(e)}\n`);
          process.exitCode = 1;
        }
      }
    });

  net.command('prune').description('Remove all unused networks')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--orphans', 'only the bridges and firewall chains of berth roots that no longer exist (any root on this machine)')
    .action(async (o: { force?: boolean; orphans?: boolean }, cmd: Command) => {
      if (o.orphans) return pruneOrphans(!!o.force);
      if (!o.force && !confirm('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ')) return;
      const removed = await pruneNetworks(globalRoot(cmd));
      if (removed.length) process.stdout.write(`Deleted Networks:\n${removed.join('\n')}\n`);
    });

  net.command('connect <network> <container>').description('Connect a container to a network')
    .option('--alias <name>', 'add network-scoped alias for the container', collect, [] as string[])
    .option('--ip <address>', 'IPv4 address')
    .option('--netns <path>', "a network namespace to connect instead of a berth container's (tests, debugging)")
    .action(exit1(async (network: string, container: string, o: { alias: string[]; ip?: string; netns?: string }, cmd: Command) => {
      const root = globalRoot(cmd);
      if (o.netns) {
        await attachContainer({ root, containerId: container, name: container, aliases: o.alias, netnsPath: requireNetns(o.netns), network, ip: o.ip });
        return;
      }
      // A running container is attached now; every later start attaches it again (the record keeps it).
      const { connectNetwork } = await import('../../engine/networkConnect.js');
      await connectNetwork(await containerStore(root), container, network, { aliases: o.alias, ip: o.ip });
    }));

  net.command('disconnect <network> <container>').description('Disconnect a container from a network')
    .option('-f, --force', 'force the container to disconnect from a network')
    .action(exit1(async (network: string, container: string, o: { force?: boolean }, cmd: Command) => {
      const { disconnectFromNetwork } = await import('../../engine/networkConnect.js');
      await disconnectFromNetwork(await containerStore(globalRoot(cmd)), container, network, { force: o.force });
    }));
}

/**
 * `network prune --orphans`: networks registered machine-wide (/run/berth/networks, the
 * network's root and state) whose root no longer holds them: listed with that root, removed
 * (bridge, firewall chains) once confirmed. Nothing to remove: nothing printed.
 */
async function pruneOrphans(force: boolean): Promise<void> {
  const { orphanedNetworks, sweepOrphanedNetworks } = await import('../../network/index.js');
  const found = orphanedNetworks();
  if (!found.length) return;
  const line = (x: (typeof found)[number]) => `${x.state.bridge}\t(network ${x.state.name} of root ${x.root}${x.rootGone ? ', deleted' : ''})`;
  if (!force && !confirm(`WARNING! This will remove these bridges and their firewall rules, left by berth roots that no longer have them:\n${found.map((x) => `  ${line(x)}\n`).join('')}Are you sure you want to continue? [y/N] `)) return;
  const gone = await sweepOrphanedNetworks({}, found);
  if (gone.length) process.stdout.write(`Deleted Orphaned Bridges:\n${gone.map((x) => `${line(x)}\n`).join('')}`);
}

async function containerStore(root: string) {
  const { ContainerStore } = await import('../../engine/ContainerStore.js');
  return new ContainerStore(root);
}

function requireNetns(netns: string): string {
  if (!fs.existsSync(netns)) throw invalidArgument(`network namespace ${netns} does not exist`);
  return netns;
}

function confirm(prompt: string): boolean {
  process.stdout.write(prompt);
  const buf = Buffer.alloc(256);
  let n = 0;
  try {
    n = fs.readSync(0, buf, 0, buf.length, null);
  } catch {
    return false;
  }
  return /^y(es)?$/i.test(buf.subarray(0, n).toString().trim());
}

/** `compose up`, `down`, `ps`, `logs`: flags -> the runner (src/compose/runner) -> output. */
import type { Command } from 'commander';
import { storeOf } from '../container/common.js';
import { action, composeFlags, loadFor } from './options.js';

const collect = (v: string, prev: string[]) => [...prev, v];

function parseScale(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of list) {
    const [k, v] = s.split('=');
    if (!k || !/^\d+$/.test(v ?? '')) throw new Error(`invalid --scale "${s}": expected SERVICE=NUM`);
    out[k] = Number(v);
  }
  return out;
}

export function addLifecycleCommands(parent: Command): void {
  parent.command('up').description('Create and start containers')
    .argument('[service...]')
    .option('-d, --detach', 'Detached mode: Run containers in the background')
    .option('--force-recreate', 'Recreate containers even if their configuration and image haven\'t changed')
    .option('--no-recreate', 'If containers already exist, don\'t recreate them')
    .option('--no-start', 'Don\'t start the services after creating them')
    .option('--no-deps', 'Don\'t start linked services')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('--scale <service=num>', 'Scale SERVICE to NUM instances', collect, [] as string[])
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode')
    .option('--wait-timeout <seconds>', 'Maximum duration to wait for the project to be running|healthy')
    .option('--abort-on-container-exit', 'Stops all containers if any container was stopped')
    .option('--exit-code-from <service>', 'Return the exit code of the selected service container. Implies --abort-on-container-exit')
    .option('-t, --timeout <seconds>', 'Use this timeout in seconds for container shutdown')
    .option('--build', 'Build images before starting containers')
    .option('--no-build', 'Don\'t build an image, even if it\'s policy')
    .option('--pull <policy>', 'Pull image before running ("always"|"missing"|"never")')
    .option('--no-color', 'Produce monochrome output')
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .action(action(async (services: string[], o: Record<string, unknown>, cmd: Command) => {
      const p = await loadFor(cmd, services);
      const store = (await storeOf(cmd)).init();
      const { upCommand } = await import('../../compose/runner/upCommand.js');
      process.exitCode = await upCommand(store, p, {
        services, detach: !!o.detach || !!o.wait, forceRecreate: !!o.forceRecreate, noRecreate: o.recreate === false, noStart: o.start === false, noDeps: o.deps === false,
        removeOrphans: !!o.removeOrphans, scale: parseScale(o.scale as string[]), wait: !!o.wait, waitTimeout: o.waitTimeout === undefined ? undefined : Number(o.waitTimeout),
        abortOnExit: !!o.abortOnContainerExit || o.exitCodeFrom !== undefined, exitCodeFrom: o.exitCodeFrom as string | undefined,
        timeout: o.timeout === undefined ? undefined : Number(o.timeout), color: o.color !== false, prefix: o.logPrefix !== false,
        images: { build: o.build as boolean | undefined, pull: o.pull as string | undefined },
      });
    }));

  parent.command('down').description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers')
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file')
    .option('--rmi <type>', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .action(action(async (o: { volumes?: boolean; removeOrphans?: boolean; rmi?: string; timeout?: string }, cmd: Command) => {
      const { p, name } = await projectOrName(cmd);
      const store = await storeOf(cmd);
      const { down } = await import('../../compose/runner/down.js');
      await down(store, name, p, { volumes: o.volumes, removeOrphans: o.removeOrphans, timeout: o.timeout === undefined ? undefined : Number(o.timeout) });
      if (o.rmi && p) {
        const { removeServiceImages } = await import('../../compose/runner/serviceImages.js');
        await removeServiceImages(store.root, p, o.rmi);
      }
    }));

  parent.command('ps').description('List containers')
    .argument('[service...]')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)')
    .option('-q, --quiet', 'Only display IDs')
    .option('--services', 'Display services')
    .option('--format <format>', 'Format output using a custom template: table, json, or a Go template', 'table')
    .option('--status <status>', 'Filter services by status', collect, [] as string[])
    .action(action(async (services: string[], o: { all?: boolean; quiet?: boolean; services?: boolean; format: string; status: string[] }, cmd: Command) => {
      const { name } = await projectOrName(cmd);
      const store = await storeOf(cmd);
      const { projectContainers } = await import('../../compose/runner/projectContainers.js');
      let cs = projectContainers(store, name).filter((c) => (o.all || c.state.Running) && (!services.length || services.includes(c.service)) && (o.all || !c.oneoff));
      if (o.status.length) cs = cs.filter((c) => o.status.includes(c.state.Status));
      if (o.quiet) return void process.stdout.write(cs.map((c) => `${c.rec.Id}\n`).join(''));
      if (o.services) return void process.stdout.write([...new Set(cs.map((c) => c.service))].map((s) => `${s}\n`).join(''));
      const { psRows, PS_HEADERS } = await import('../../compose/runner/psRows.js');
      const { printFormatted } = await import('../format/printFormatted.js');
      const rows = psRows(store, cs);
      if (o.format === 'json') return void process.stdout.write(`${JSON.stringify(rows)}\n`);
      process.stdout.write(printFormatted(o.format === 'table' ? 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}' : o.format, rows, PS_HEADERS));
    }));

  parent.command('logs').description('View output from containers')
    .argument('[service...]')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <n>', 'Number of lines to show from the end of the logs for each container', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--no-color', 'Produce monochrome output')
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .action(action(async (services: string[], o: { follow?: boolean; tail: string; timestamps?: boolean; color: boolean; logPrefix: boolean }, cmd: Command) => {
      const { name } = await projectOrName(cmd);
      const store = await storeOf(cmd);
      const { projectContainers } = await import('../../compose/runner/projectContainers.js');
      const { multiLogs } = await import('../../compose/runner/logs.js');
      const cs = projectContainers(store, name).filter((c) => !services.length || services.includes(c.service));
      const tail = o.tail === 'all' ? undefined : Number(o.tail);
      await multiLogs(store, cs.map((c) => c.rec), { follow: o.follow, tail, timestamps: o.timestamps, noColor: !o.color, noPrefix: !o.logPrefix });
    }));
}

/**
 * The project to act on: loaded from its files when there are any; else (`down`, `ps`,
 * `logs` run elsewhere) just its name from -p or COMPOSE_PROJECT_NAME, as docker compose allows.
 */
export async function projectOrName(cmd: Command): Promise<{ p?: Awaited<ReturnType<typeof loadFor>>; name: string }> {
  const f = composeFlags(cmd);
  try {
    const p = await loadFor(cmd);
    return { p, name: p.name };
  } catch (e) {
    const name = f.projectName ?? process.env.COMPOSE_PROJECT_NAME;
    if (name && !f.file.length) return { name };
    throw e;
  }
}

/** `compose exec|run|start|stop|restart|kill|rm|top|port|images|ls|version|build|pull|push|events`: flags -> the engine, per service container. */
import type { Command } from 'commander';
import { storeOf } from '../container/common.js';
import { COMPOSE_VERSION } from '../../compose/serviceRequest.js';
import { action, loadFor } from './options.js';
import { projectOrName } from './lifecycle.js';

const collect = (v: string, prev: string[]) => [...prev, v];

async function containersOf(cmd: Command, services: string[], o: { all?: boolean; oneoff?: boolean } = {}) {
  const { name, p } = await projectOrName(cmd);
  const store = await storeOf(cmd);
  const { projectContainers } = await import('../../compose/runner/projectContainers.js');
  for (const s of services) if (p && !p.services[s]) throw new Error(`no such service: ${s}`);
  const cs = projectContainers(store, name, { oneoff: o.oneoff }).filter((c) => !services.length || services.includes(c.service));
  return { store, p, name, cs };
}

export function addServiceCommands(parent: Command): void {
  parent.command('exec').description('Execute a command in a running container')
    .argument('<service>').argument('<command...>')
    .option('-d, --detach', 'Detached mode: Run command in the background')
    .option('-T, --no-TTY', 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY')
    .option('-e, --env <KEY=VAL>', 'Set environment variables', collect, [] as string[])
    .option('-u, --user <user>', 'Run the command as this user')
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command')
    .option('--index <n>', 'Index of the container if service has multiple replicas', '1')
    .option('--privileged', 'Give extended privileges to the process')
    .passThroughOptions()
    .action(action(async (service: string, command: string[], o: { detach?: boolean; TTY: boolean; env: string[]; user?: string; workdir?: string; index: string; privileged?: boolean }, cmd: Command) => {
      const { store, cs, name } = await containersOf(cmd, [service], { oneoff: false });
      const c = cs.find((x) => x.number === Number(o.index) && x.state.Running);
      if (!c) throw new Error(`service "${service}" is not running container #${o.index} (project ${name})`);
      const tty = o.TTY && !o.detach && !!process.stdin.isTTY;
      const { execInContainer } = await import('../../engine/execInContainer.js');
      if (tty) process.stdin.setRawMode(true);
      try {
        process.exitCode = await execInContainer(store, c.rec.Id, { command, detach: o.detach, interactive: !o.detach, tty, env: o.env, user: o.user, workdir: o.workdir, privileged: o.privileged });
      } finally {
        if (tty) process.stdin.setRawMode(false);
        process.stdin.destroy();
      }
    }));

  parent.command('run').description('Run a one-off command on a service')
    .argument('<service>').argument('[command...]')
    .option('-d, --detach', 'Run container in background and print container ID')
    .option('--rm', 'Automatically remove the container when it exits')
    .option('--name <name>', 'Assign a name to the container')
    .option('-e, --env <KEY=VAL>', 'Set environment variables', collect, [] as string[])
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image')
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--service-ports', 'Run command with all service\'s ports enabled and mapped to the host')
    .option('--no-deps', 'Don\'t start linked services')
    .option('--build', 'Build image before starting container')
    .option('-T, --no-TTY', 'Disable pseudo-TTY allocation (default: auto-detected)')
    .option('-i, --interactive', 'Keep STDIN open even if not attached', true)
    .passThroughOptions()
    .action(action(async (service: string, command: string[], o: { detach?: boolean; rm?: boolean; name?: string; env: string[]; entrypoint?: string; user?: string; workdir?: string; servicePorts?: boolean; deps: boolean; build?: boolean; TTY: boolean; interactive: boolean }, cmd: Command) => {
      const p = await loadFor(cmd, [service]);
      const store = (await storeOf(cmd)).init();
      const { runOneoff } = await import('../../compose/runner/runOneoff.js');
      const tty = o.TTY && !o.detach && !!process.stdin.isTTY;
      const interactive = o.interactive && !o.detach;
      if (tty) process.stdin.setRawMode(true);
      try {
        process.exitCode = await runOneoff(store, p, service, { command, rm: o.rm, detach: o.detach, name: o.name, env: o.env, entrypoint: o.entrypoint, user: o.user, workdir: o.workdir, servicePorts: o.servicePorts, noDeps: !o.deps, build: o.build, tty, interactive }, { stdin: interactive ? process.stdin : null, stdout: process.stdout, stderr: process.stderr });
      } finally {
        if (tty) process.stdin.setRawMode(false);
        process.stdin.destroy();
      }
    }));

  parent.command('start').description('Start services').argument('[service...]')
    .action(action(async (services: string[], _o: unknown, cmd: Command) => {
      const { store, cs, p } = await containersOf(cmd, services, { oneoff: false });
      const { stopOrder } = await import('../../compose/runner/down.js');
      const { startContainer } = await import('../../engine/startContainer.js');
      const { progress } = await import('../../compose/runner/progress.js');
      for (const c of stopOrder(p, cs).reverse()) if (await startContainer(store, c.rec.Id)) progress('Container', c.name, 'Started');
    }));

  for (const verb of ['stop', 'restart'] as const) {
    parent.command(verb).description(verb === 'stop' ? 'Stop services' : 'Restart service containers').argument('[service...]')
      .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
      .action(action(async (selected: string[], o: { timeout?: string }, cmd: Command) => {
        let services = selected;
        if (verb === 'restart' && selected.length) {
          // Dependents that declared `depends_on: {X: {restart: true}}` restart with X, as docker compose does.
          const { p: proj } = await projectOrName(cmd);
          const more = (names: string[]): string[] => {
            const add = Object.entries(proj?.services ?? {}).filter(([n, s]) => !names.includes(n) && names.some((d) => s.depends_on?.[d]?.restart)).map(([n]) => n);
            return add.length ? more([...names, ...add]) : names;
          };
          services = more(selected);
        }
        const { store, cs, p } = await containersOf(cmd, services, { oneoff: false });
        const { stopAll, stopOrder } = await import('../../compose/runner/down.js');
        const ordered = stopOrder(p, cs);
        await stopAll(store, ordered, o.timeout === undefined ? undefined : Number(o.timeout));
        if (verb === 'stop') return;
        const { startContainer } = await import('../../engine/startContainer.js');
        const { progress } = await import('../../compose/runner/progress.js');
        for (const c of [...ordered].reverse()) if (await startContainer(store, c.rec.Id)) progress('Container', c.name, 'Started');
      }));
  }

  parent.command('kill').description('Force stop service containers').argument('[service...]')
    .option('-s, --signal <signal>', 'SIGNAL to send to the container', 'SIGKILL')
    .action(action(async (services: string[], o: { signal: string }, cmd: Command) => {
      const { store, cs } = await containersOf(cmd, services, { oneoff: false });
      const { killContainer } = await import('../../engine/stopContainer.js');
      const { progress } = await import('../../compose/runner/progress.js');
      for (const c of cs.filter((x) => x.state.Running)) {
        await killContainer(store, c.rec.Id, o.signal);
        progress('Container', c.name, 'Killed');
      }
    }));

  parent.command('rm').description('Removes stopped service containers').argument('[service...]')
    .option('-f, --force', 'Don\'t ask to confirm removal')
    .option('-s, --stop', 'Stop the containers, if required, before removing')
    .option('-v, --volumes', 'Remove any anonymous volumes attached to containers')
    .action(action(async (services: string[], o: { force?: boolean; stop?: boolean; volumes?: boolean }, cmd: Command) => {
      const { store, cs, p } = await containersOf(cmd, services);
      const { stopAll, stopOrder } = await import('../../compose/runner/down.js');
      const { removeContainer } = await import('../../engine/removeContainer.js');
      const { progress } = await import('../../compose/runner/progress.js');
      if (o.stop) await stopAll(store, stopOrder(p, cs));
      const gone = cs.filter((c) => o.stop || !c.state.Running);
      if (!gone.length) return void process.stderr.write('No stopped containers\n');
      for (const c of gone) {
        await removeContainer(store, c.rec.Id, { force: true, volumes: !!o.volumes });
        progress('Container', c.name, 'Removed');
      }
    }));

  parent.command('top').description('Display the running processes').argument('[service...]')
    .action(action(async (services: string[], _o: unknown, cmd: Command) => {
      const { store, cs } = await containersOf(cmd, services);
      const { topContainer } = await import('../../engine/top.js');
      const { tabulate } = await import('../format/printFormatted.js');
      for (const c of cs.filter((x) => x.state.Running)) {
        const t = topContainer(store, c.rec.Id);
        process.stdout.write(`${c.name}\n${tabulate([t.Titles.join('\t'), ...t.Processes.map((r) => r.join('\t'))], 0, 3)}\n`);
      }
    }));

  parent.command('port').description('Print the public port for a port binding')
    .argument('<service>').argument('<private_port>')
    .option('--protocol <proto>', 'tcp or udp', 'tcp')
    .option('--index <n>', 'Index of the container if service has multiple replicas', '1')
    .action(action(async (service: string, port: string, o: { protocol: string; index: string }, cmd: Command) => {
      const { store, cs } = await containersOf(cmd, [service], { oneoff: false });
      const c = cs.find((x) => x.number === Number(o.index));
      if (!c) throw new Error(`service "${service}" has no container #${o.index}`);
      const { readNetworkSettings } = await import('../../engine/network.js');
      const b = c.state.Running ? readNetworkSettings(store, c.rec.Id)?.Ports?.[`${port}/${o.protocol}`]?.[0] : undefined;
      if (!b) throw new Error(`no port ${port}/${o.protocol} for container ${c.name}`);
      process.stdout.write(`${b.HostIp || '0.0.0.0'}:${b.HostPort}\n`);
    }));

  parent.command('images').description('List images used by the created containers').argument('[service...]')
    .option('-q, --quiet', 'Only display IDs')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .action(action(async (services: string[], o: { quiet?: boolean; format: string }, cmd: Command) => {
      const { cs } = await containersOf(cmd, services);
      const rows = cs.map((c) => {
        const ref = c.rec.Config.Image;
        const i = ref.lastIndexOf(':');
        const tagged = i > ref.lastIndexOf('/');
        return { ContainerName: c.name, Repository: tagged ? ref.slice(0, i) : ref, Tag: tagged ? ref.slice(i + 1) : 'latest', ID: c.rec.Image.replace(/^sha256:/, '').slice(0, 12) };
      });
      if (o.quiet) return void process.stdout.write([...new Set(rows.map((r) => c12(r.ID)))].map((x) => `${x}\n`).join(''));
      if (o.format === 'json') return void process.stdout.write(`${JSON.stringify(rows)}\n`);
      const { tabulate } = await import('../format/printFormatted.js');
      process.stdout.write(tabulate(['CONTAINER\tREPOSITORY\tTAG\tIMAGE ID', ...rows.map((r) => `${r.ContainerName}\t${r.Repository}\t${r.Tag}\t${r.ID}`)]));
    }));

  parent.command('ls').description('List running compose projects')
    .option('-a, --all', 'Show all stopped Compose projects')
    .option('-q, --quiet', 'Only display project names')
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .action(action(async (o: { all?: boolean; quiet?: boolean; format: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { projectsOf } = await import('../../compose/runner/projectContainers.js');
      const ps = projectsOf(store).filter((x) => o.all || x.running > 0);
      const status = (x: { running: number; exited: number }) => [x.running ? `running(${x.running})` : '', x.exited ? `exited(${x.exited})` : ''].filter(Boolean).join(', ');
      if (o.quiet) return void process.stdout.write(ps.map((x) => `${x.name}\n`).join(''));
      if (o.format === 'json') return void process.stdout.write(`${JSON.stringify(ps.map((x) => ({ Name: x.name, Status: status(x), ConfigFiles: x.configFiles })))}\n`);
      const { tabulate } = await import('../format/printFormatted.js');
      process.stdout.write(tabulate(['NAME\tSTATUS\tCONFIG FILES', ...ps.map((x) => `${x.name}\t${status(x)}\t${x.configFiles}`)]));
    }));

  parent.command('version').description('Show the Docker Compose version information')
    .option('--short', 'Shows only Compose\'s version number')
    .option('-f, --format <format>', 'Format the output. Values: [pretty | json]', 'pretty')
    .action(action(async (o: { short?: boolean; format: string }) => {
      if (o.short) return void process.stdout.write(`${COMPOSE_VERSION}\n`);
      if (o.format === 'json') return void process.stdout.write(`${JSON.stringify({ version: `v${COMPOSE_VERSION}` })}\n`);
      process.stdout.write(`Docker Compose version v${COMPOSE_VERSION} (berth compose)\n`);
    }));

  parent.command('build').description('Build or rebuild services').argument('[service...]')
    .option('--build-arg <key=val>', 'Set build-time variables for services', collect, [] as string[])
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .option('-q, --quiet', 'Don\'t print anything to STDOUT')
    .action(action(async (services: string[], o: { buildArg: string[]; cache: boolean; pull?: boolean; quiet?: boolean }, cmd: Command) => {
      const p = await loadFor(cmd, services);
      const store = (await storeOf(cmd)).init();
      const { buildServices } = await import('../../compose/runner/buildServices.js');
      const names = Object.keys(p.services).filter((n) => !services.length || services.includes(n));
      await buildServices(store.root, p, names, { noCache: !o.cache, pull: o.pull, quiet: o.quiet, buildArgs: o.buildArg });
    }));

  parent.command('pull').description('Pull service images').argument('[service...]')
    .option('--ignore-pull-failures', 'Pull what it can and ignores images with pull failures')
    .option('-q, --quiet', 'Pull without printing progress information')
    .action(action(async (services: string[], o: { ignorePullFailures?: boolean; quiet?: boolean }, cmd: Command) => {
      const p = await loadFor(cmd, services);
      const store = (await storeOf(cmd)).init();
      const { pullServices } = await import('../../compose/runner/serviceImages.js');
      await pullServices(store.root, p, Object.keys(p.services).filter((n) => !services.length || services.includes(n)), { ignoreFailures: o.ignorePullFailures, quiet: o.quiet });
    }));

  parent.command('push').description('Push service images').argument('[service...]')
    .option('--ignore-push-failures', 'Push what it can and ignores images with push failures')
    .option('-q, --quiet', 'Push without printing progress information')
    .action(action(async (services: string[], o: { ignorePushFailures?: boolean; quiet?: boolean }, cmd: Command) => {
      const p = await loadFor(cmd, services);
      const store = (await storeOf(cmd)).init();
      const { pushServices } = await import('../../compose/runner/serviceImages.js');
      await pushServices(store.root, p, Object.keys(p.services).filter((n) => !services.length || services.includes(n)), { ignoreFailures: o.ignorePushFailures, quiet: o.quiet });
    }));

  parent.command('events').description('Receive real time events from containers').argument('[service...]')
    .option('--json', 'Output events as a stream of json objects')
    .action(action(async (services: string[], o: { json?: boolean }, cmd: Command) => {
      const { name, p } = await projectOrName(cmd);
      for (const s of services) if (p && !p.services[s]) throw new Error(`no such service: ${s}`);
      const store = await storeOf(cmd);
      const { watchEvents } = await import('../../compose/runner/events.js');
      let stopped = false;
      const stop = () => void (stopped = true);
      process.on('SIGINT', stop).on('SIGTERM', stop);
      try {
        await watchEvents(store, name, services, { json: o.json, stop: () => stopped, write: (l) => process.stdout.write(l) });
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
      }
    }));
}

const c12 = (s: string) => s.slice(0, 12);

/**
 * `compose run SERVICE [COMMAND]`: the service's dependencies brought up (unless --no-deps),
 * then a one-off container (`<project>-<service>-run-<id>`, `com.docker.compose.oneoff=True`,
 * no published ports unless --service-ports) run in the foreground by the engine's
 * runContainer, as `berth run` does; its exit code comes back.
 */
import crypto from 'node:crypto';
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { runContainer, type RunIo } from '../../engine/runContainer.js';
import { connectNetwork } from '../../engine/networkConnect.js';
import { serviceRequest } from '../serviceRequest.js';
import type { Project } from '../types.js';
import { ensureNetworks, ensureVolumes } from './resources.js';
import { ensureServiceImages } from './serviceImages.js';
import { up } from './up.js';

export interface RunOptions {
  command: string[];
  rm?: boolean;
  detach?: boolean;
  name?: string;
  env?: string[];
  entrypoint?: string;
  user?: string;
  workdir?: string;
  servicePorts?: boolean;
  noDeps?: boolean;
  tty?: boolean;
  interactive?: boolean;
  /** `run --build`: build the service's image first. */
  build?: boolean;
}

export async function runOneoff(store: ContainerStore, p: Project, service: string, o: RunOptions, io: RunIo): Promise<number> {
  const deps = Object.keys(p.services[service]?.depends_on ?? {});
  const name = o.name ?? `${p.name}-${service}-run-${crypto.randomBytes(6).toString('hex')}`;
  const plan = serviceRequest(p, service, 1, { oneoff: true, name, command: o.command.length ? o.command : undefined, servicePorts: o.servicePorts });
  if (deps.length && !o.noDeps) await up(store, p, { services: deps });
  await ensureServiceImages(store.root, p, [service], { build: o.build });
  const f = plan.flags;
  await ensureNetworks(p, store.root, Object.keys(p.services[service].networks ?? {}));
  ensureVolumes(p, store.root, (p.services[service].volumes ?? []).filter((v) => v.type === 'volume' && v.source).map((v) => v.source!));
  f.rm = !!o.rm;
  f.restart = undefined;
  f.detach = !!o.detach;
  f.interactive = !!o.interactive && !o.detach;
  f.tty = !!o.tty;
  f.env = [...f.env, ...(o.env ?? [])];
  if (o.entrypoint !== undefined) f.entrypoint = o.entrypoint;
  if (o.user !== undefined) f.user = o.user;
  if (o.workdir !== undefined) f.workdir = o.workdir;
  // The networks after the first are connected by the engine once the container exists (before it starts).
  if (plan.connect.length) {
    const { createContainer } = await import('../../engine/createContainer.js');
    const { startContainer } = await import('../../engine/startContainer.js');
    const rec = await createContainer(store, { image: plan.image, command: plan.command, flags: { ...f, detach: true } });
    for (const c of plan.connect) await connectNetwork(store, rec.Id, c.network, { aliases: c.aliases, ip: c.ip });
    await startContainer(store, rec.Id);
    if (o.detach) {
      io.stdout.write(`${name}\n`);
      return 0;
    }
    const { waitExit } = await import('../../engine/stopContainer.js');
    const st = await waitExit(store, rec.Id);
    const { readLogs, formatEntry } = await import('../../engine/logs.js');
    for (const e of readLogs(store.logPath(rec.Id), {})) (e.stream === 'stderr' ? io.stderr : io.stdout).write(formatEntry(e, false));
    if (o.rm) await (await import('../../engine/removeContainer.js')).removeContainer(store, rec.Id, { force: true, volumes: true });
    return st?.ExitCode ?? 0;
  }
  const r = await runContainer(store, { image: plan.image, command: plan.command, flags: f }, io);
  if (r.exitCode === undefined) io.stdout.write(`${name}\n`);
  return r.exitCode ?? 0;
}

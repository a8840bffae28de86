/**
 * `compose up`: networks and volumes, then each service's containers converged in
 * dependency order — created when missing, recreated when their config hash (or image)
 * changed (or --force-recreate), kept with --no-recreate, scaled to `deploy.replicas` /
 * --scale — then started in dependency order, each service once its dependencies meet their
 * `depends_on` conditions. Every container comes from the engine's createContainer and
 * startContainer, the networks after the first from its connectNetwork.
 */
import { failedPrecondition } from '../../errors.js';
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { createContainer } from '../../engine/createContainer.js';
import { connectNetwork } from '../../engine/networkConnect.js';
import { removeContainer } from '../../engine/removeContainer.js';
import { startContainer } from '../../engine/startContainer.js';
import { stopContainer } from '../../engine/stopContainer.js';
import type { ContainerRecord } from '../../engine/types.js';
import { ImageStore } from '../../image/ImageStore.js';
import { L, replicasOf, serviceRequest, type ContainerPlan } from '../serviceRequest.js';
import type { Project } from '../types.js';
import { dependencyOrder, withDependencies } from './order.js';
import { projectContainers, type ProjectContainer } from './projectContainers.js';
import { progress } from './progress.js';
import { ensureNetworks, ensureVolumes } from './resources.js';
import { ensureServiceImages, type ImageFlags } from './serviceImages.js';
import { waitCondition } from './waitFor.js';

export interface UpOptions {
  services?: string[];
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  noStart?: boolean;
  /** --no-deps: only the named services. */
  noDeps?: boolean;
  scale?: Record<string, number>;
  /** Stop timeout (seconds) for containers being replaced. */
  timeout?: number;
  abort?: () => boolean;
  /** Builds and pulls before anything is created (--build, --no-build, --pull). */
  images?: ImageFlags;
}

export interface UpResult { containers: ContainerRecord[]; services: string[] }

function imageIdOf(root: string, ref: string): string | undefined {
  try {
    return ImageStore.open(root).resolve(ref).id;
  } catch {
    return undefined;
  }
}

export async function up(store: ContainerStore, p: Project, o: UpOptions = {}): Promise<UpResult> {
  const services = o.noDeps && o.services?.length ? dependencyOrder(p, o.services).filter((s) => o.services!.includes(s)) : withDependencies(p, o.services ?? []);
  for (const s of Object.keys(o.scale ?? {})) if (!p.services[s]) throw failedPrecondition(`no such service: ${s}`, { exitCode: 1 });
  // Everything that can be refused is refused before anything is made.
  const wanted = new Map<string, ContainerPlan[]>();
  for (const s of services) {
    const n = o.scale?.[s] ?? replicasOf(p.services[s]);
    if (n > 1 && p.services[s].container_name) throw failedPrecondition(`services.${s}: can't set container_name and ${s} as container name must be unique`, { exitCode: 1 });
    wanted.set(s, Array.from({ length: n }, (_, i) => serviceRequest(p, s, i + 1)));
  }
  const netKeys = [...new Set(services.flatMap((s) => Object.keys(p.services[s].networks ?? {})))];
  const volKeys = [...new Set(services.flatMap((s) => (p.services[s].volumes ?? []).filter((v) => v.type === 'volume' && v.source).map((v) => v.source!)))];
  await preflight(p, store.root, netKeys, volKeys);
  await ensureServiceImages(store.root, p, services, o.images);
  await orphans(store, p, !!o.removeOrphans, o.timeout);
  await ensureNetworks(p, store.root, netKeys);
  ensureVolumes(p, store.root, volKeys);
  const existing = projectContainers(store, p.name, { oneoff: false });
  const bySvc = new Map<string, ContainerRecord[]>();
  for (const s of services) bySvc.set(s, await converge(store, wanted.get(s)!, existing.filter((c) => c.service === s), o));
  if (!o.noStart) {
    for (const s of services) {
      for (const [dep, cond] of Object.entries(p.services[s].depends_on ?? {})) {
        for (const rec of bySvc.get(dep) ?? projectContainers(store, p.name, { oneoff: false }).filter((c) => c.service === dep).map((c) => c.rec)) {
          await waitCondition(store, rec, dep, cond.condition, o.abort);
        }
      }
      for (const rec of bySvc.get(s)!) {
        const name = rec.Name.slice(1);
        if (await startContainer(store, rec.Id)) progress('Container', name, 'Started');
        else progress('Container', name, 'Running');
      }
    }
  }
  return { containers: services.flatMap((s) => bySvc.get(s)!), services };
}

/** External networks and volumes must be there before anything is created. */
async function preflight(p: Project, root: string, netKeys: string[], volKeys: string[]): Promise<void> {
  const { NetworkStore } = await import('../../network/index.js');
  const nets = new NetworkStore(root);
  for (const k of netKeys) {
    const n = p.networks[k];
    if (n?.external && !nets.find(n.name)) throw failedPrecondition(`network ${n.name} declared as external, but could not be found`, { exitCode: 1 });
  }
  const { VolumeStore } = await import('../../engine/volumes.js');
  const vols = new VolumeStore(root);
  for (const k of volKeys) {
    const v = p.volumes[k];
    if (v?.external && !vols.get(v.name)) throw failedPrecondition(`external volume "${v.name}" not found`, { exitCode: 1 });
  }
}

/** Containers of the project whose service the files no longer have: removed with --remove-orphans, else a warning. */
async function orphans(store: ContainerStore, p: Project, remove: boolean, timeout?: number): Promise<void> {
  const known = new Set([...Object.keys(p.services), ...p.disabled]);
  const found = projectContainers(store, p.name, { oneoff: false }).filter((c) => !known.has(c.service));
  if (found.length && !remove) {
    process.stderr.write(`WARN[0000] Found orphan containers ([${found.map((c) => c.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
    return;
  }
  for (const c of found) await removeOne(store, c, timeout);
}

async function removeOne(store: ContainerStore, c: ProjectContainer, timeout?: number): Promise<void> {
  await stopContainer(store, c.rec.Id, timeout);
  await removeContainer(store, c.rec.Id, { force: true, volumes: true });
  progress('Container', c.name, 'Removed');
}

function changed(root: string, plan: ContainerPlan, c: ProjectContainer): boolean {
  if (c.rec.Config.Labels[L.hash] !== plan.hash) return true;
  const want = imageIdOf(root, plan.image);
  return !!want && want !== c.rec.Image;
}

async function converge(store: ContainerStore, plans: ContainerPlan[], have: ProjectContainer[], o: UpOptions): Promise<ContainerRecord[]> {
  for (const c of have.filter((c) => c.number > plans.length || c.number < 1)) await removeOne(store, c, o.timeout);
  const out: ContainerRecord[] = [];
  for (const plan of plans) {
    const cur = have.find((c) => c.number === plan.number);
    if (cur && (o.noRecreate || (!o.forceRecreate && !changed(store.root, plan, cur)))) {
      out.push(cur.rec);
      continue;
    }
    if (cur) {
      progress('Container', cur.name, 'Recreate');
      await stopContainer(store, cur.rec.Id, o.timeout);
      await removeContainer(store, cur.rec.Id, { force: true, volumes: false });
    }
    out.push(await create(store, plan));
    progress('Container', plan.name, cur ? 'Recreated' : 'Created');
  }
  return out;
}

async function create(store: ContainerStore, plan: ContainerPlan): Promise<ContainerRecord> {
  const id = imageIdOf(store.root, plan.image);
  const flags = id ? { ...plan.flags, label: [...plan.flags.label, `${L.image}=${id}`] } : plan.flags;
  const rec = await createContainer(store, { image: plan.image, command: plan.command, flags });
  try {
    for (const c of plan.connect) await connectNetwork(store, rec.Id, c.network, { aliases: c.aliases, ip: c.ip });
  } catch (e) {
    await removeContainer(store, rec.Id, { force: true }).catch(() => undefined);
    throw e;
  }
  return rec;
}

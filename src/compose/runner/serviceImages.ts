/**
 * The services' images through the registry client (src/registry) and the store: what `up`
 * makes sure of before it creates anything (build or pull, by `pull_policy` and --pull),
 * `compose pull`, `compose push`, and `down --rmi local|all`.
 */
import { BerthError, describe, invalidArgument, isBerthError } from '../../errors.js';
import { ensureImage, parsePullPolicy, type PullPolicy } from '../../engine/ensureImage.js';
import { ImageStore } from '../../image/ImageStore.js';
import { familiarString } from '../../image/reference.js';
import { removeImages } from '../../image/removeImages.js';
import { silent } from '../../registry/Reporter.js';
import { serviceImage } from '../serviceRequest.js';
import type { Project, ServiceConfig } from '../types.js';
import { buildServices, toBuild, type BuildFlags } from './buildServices.js';
import { progress } from './progress.js';

export interface ImageFlags {
  /** `up --build`: build every `build:` service; false: `--no-build`. */
  build?: boolean;
  /** `up --pull always|missing|never` (over each service's pull_policy). */
  pull?: string;
  buildFlags?: BuildFlags;
}

/** docker compose's pull_policy words -> the engine's (`build` services are built, never pulled). */
export function pullPolicyOf(svc: ServiceConfig, override?: string): PullPolicy {
  const v = override ?? svc.pull_policy;
  if (v === undefined) return 'missing';
  const p = { if_not_present: 'missing', missing: 'missing', always: 'always', never: 'never', build: 'never', daily: 'missing', weekly: 'missing' }[v];
  if (!p) return parsePullPolicy(v);
  return p as PullPolicy;
}

/**
 * Before `up` creates containers: services with `build:` are built when asked or when their
 * image is missing; the others are pulled as their pull policy says. Missing images stop up
 * before anything is created, naming the service.
 */
export async function ensureServiceImages(root: string, p: Project, services: string[], o: ImageFlags = {}): Promise<void> {
  const building = o.build === false ? [] : toBuild(root, p, services, !!o.build);
  for (const n of services) {
    const svc = p.services[n];
    if (building.includes(n)) continue;
    const image = serviceImage(p, n);
    if (svc.build && !svc.image && o.build === false) continue;
    if (svc.build && svc.pull_policy === undefined && o.pull === undefined) continue; // built earlier: what the store has
    try {
      await ensureImage(root, image, pullPolicyOf(svc, o.pull), { report: async () => silent, notice: () => progress('Image', image, 'Pulling') });
    } catch (e) {
      if (svc.build && isBerthError(e)) {
        building.push(n);
        continue;
      }
      throw withService(n, e);
    }
  }
  if (building.length) await buildServices(root, p, building, o.buildFlags);
}

function withService(service: string, e: unknown): unknown {
  if (!(e instanceof BerthError)) return e;
  return new BerthError(e.kind, `service ${service}: ${e.message}`, { code: e.code, hint: e.hint, cause: e, exitCode: 1 });
}

/** `compose pull`: every service with an `image:` (a `build:` service's failure is a warning, as docker compose's). */
export async function pullServices(root: string, p: Project, services: string[], o: { ignoreFailures?: boolean; quiet?: boolean }): Promise<void> {
  const { parseRemoteReference } = await import('../../registry/reference.js');
  const { pullImage } = await import('../../registry/pullImage.js');
  const { closeIdleConnections } = await import('../../registry/http.js');
  const store = ImageStore.open(root);
  try {
    for (const n of services) {
      const svc = p.services[n];
      if (!svc.image || svc.pull_policy === 'build') continue;
      if (!o.quiet) progress('Image', svc.image, 'Pulling');
      try {
        const r = await pullImage(store, parseRemoteReference(svc.image), { report: silent });
        if (!o.quiet) progress('Image', svc.image, r.downloaded ? 'Pulled' : 'Up to date');
      } catch (e) {
        if (!isBerthError(e)) throw e;
        if (!o.ignoreFailures && !svc.build) throw withService(n, e);
        process.stderr.write(`WARN[0000] service ${n}: ${describe(e)}\n`);
      }
    }
  } finally {
    closeIdleConnections();
  }
}

/** `compose push`: the images of the services that name one (a service without `image:` has nothing to push to). */
export async function pushServices(root: string, p: Project, services: string[], o: { ignoreFailures?: boolean; quiet?: boolean }): Promise<void> {
  const { parseRemoteReference } = await import('../../registry/reference.js');
  const { pushImage } = await import('../../registry/pushImage.js');
  const { closeIdleConnections } = await import('../../registry/http.js');
  const store = ImageStore.open(root);
  try {
    for (const n of services) {
      const svc = p.services[n];
      if (!svc.image) continue;
      const ref = parseRemoteReference(svc.image);
      if (ref.digest) continue;
      if (!o.quiet) progress('Image', svc.image, 'Pushing');
      try {
        if (!store.tagFor(familiarString(ref))) throw invalidArgument(`An image does not exist locally with the tag: ${familiarString(ref)}`, { exitCode: 1 });
        await pushImage(store, { ...ref, tag: ref.tag ?? 'latest' }, { report: silent });
        if (!o.quiet) progress('Image', svc.image, 'Pushed');
      } catch (e) {
        if (!isBerthError(e) || !o.ignoreFailures) throw withService(n, e);
        process.stderr.write(`WARN[0000] service ${n}: ${describe(e)}\n`);
      }
    }
  } finally {
    closeIdleConnections();
  }
}

/**
 * `down --rmi`: `local` removes the images compose named itself (services without `image:`,
 * tagged `<project>-<service>`), `all` every service's image. Images still used elsewhere stay,
 * with a warning.
 */
export async function removeServiceImages(root: string, p: Project, mode: string): Promise<void> {
  if (mode !== 'all' && mode !== 'local') throw invalidArgument(`invalid --rmi "${mode}": use local or all`, { exitCode: 1 });
  const refs = [...new Set(Object.keys(p.services).filter((n) => mode === 'all' || !p.services[n].image).map((n) => serviceImage(p, n)))];
  const store = ImageStore.open(root);
  for (const r of refs) {
    try {
      store.resolve(r);
    } catch (e) {
      if (isBerthError(e, 'NotFound')) continue;
      throw e;
    }
    const res = await removeImages(store, [r]);
    for (const m of res.errors) process.stderr.write(`WARN[0000] image ${r}: ${m}\n`);
    if (!res.errors.length) progress('Image', r, 'Removed');
  }
}

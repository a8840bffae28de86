/**
 * `compose build` and the builds of `up` (--build, or a `build:` service whose image is not
 * in the store): each service's `build:` section (context, dockerfile or dockerfile_inline,
 * args, target, labels, network, no_cache, pull, tags, secrets) -> the same buildImage call
 * `berth build` makes, tagged with the service's image (`image:`, else `<project>-<service>`)
 * and labelled as docker compose labels what it builds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildImage, type BuildOptions } from '../../build/buildImage.js';
import type { Secret } from '../../build/runMounts.js';
import { invalidArgument, isBerthError } from '../../errors.js';
import { ImageStore } from '../../image/ImageStore.js';
import { configError } from '../configError.js';
import { isDict, type Dict } from '../merge.js';
import { COMPOSE_VERSION, L, serviceImage } from '../serviceRequest.js';
import type { Project } from '../types.js';
import { progress } from './progress.js';

export interface BuildFlags {
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  /** `--build-arg KEY=VAL` (a bare KEY takes the value from the environment). */
  buildArgs?: string[];
  progressOut?: NodeJS.WritableStream;
}

function present(root: string, ref: string): boolean {
  try {
    ImageStore.open(root).resolve(ref);
    return true;
  } catch (e) {
    if (isBerthError(e, 'NotFound')) return false;
    throw e;
  }
}

/** The services of `names` that up must build first: all with a `build:` for --build, else those whose image is absent (or pull_policy build). */
export function toBuild(root: string, p: Project, names: string[], force: boolean): string[] {
  return names.filter((n) => {
    const s = p.services[n];
    if (!s?.build) return false;
    return force || s.pull_policy === 'build' || !present(root, serviceImage(p, n));
  });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function dockerfileOf(service: string, b: Dict, context: string): BuildOptions['dockerfile'] {
  if (typeof b.dockerfile_inline === 'string') return { text: b.dockerfile_inline, name: 'Dockerfile' };
  const rel = str(b.dockerfile ?? 'Dockerfile');
  const file = path.resolve(context, rel);
  try {
    return { text: fs.readFileSync(file, 'utf8'), name: path.basename(file), path: file };
  } catch {
    throw invalidArgument(`service ${service}: failed to read dockerfile: open ${file}: no such file or directory`, { exitCode: 1 });
  }
}

/** `build.secrets` name the project's top-level secrets, from a file or an environment variable. */
function buildSecrets(p: Project, service: string, list: unknown): Secret[] {
  const top = isDict(p.model.secrets) ? (p.model.secrets as Dict) : {};
  return (Array.isArray(list) ? list : []).map((e) => {
    const source = isDict(e) ? str(e.source) : str(e);
    const id = isDict(e) && e.target !== undefined ? str(e.target) : source;
    const def = top[source];
    if (!isDict(def)) throw configError(`service "${service}" refers to undefined build secret ${source}: invalid compose project`);
    if (typeof def.file === 'string') return { id, file: def.file };
    if (typeof def.environment === 'string') return { id, env: def.environment };
    throw configError(`build secret ${source}: only file and environment secrets can be given to a build`);
  });
}

function argsOf(p: Project, b: Dict, extra: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(isDict(b.args) ? b.args : {})) {
    if (v !== null && v !== undefined) m.set(k, str(v));
    else if (p.environment[k] !== undefined) m.set(k, p.environment[k]);
  }
  for (const a of extra) {
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(0, eq), a.slice(eq + 1));
    else if (process.env[a] !== undefined) m.set(a, process.env[a]!);
  }
  return m;
}

/** Builds each named service that has a `build:` section, in the order given. */
export async function buildServices(root: string, p: Project, names: string[], o: BuildFlags = {}): Promise<void> {
  for (const n of names) {
    const b = p.services[n]?.build;
    if (!b) continue;
    const context = str(b.context ?? p.workingDir);
    if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) throw invalidArgument(`service ${n}: unable to prepare context: path "${context}" not found`, { exitCode: 1 });
    const image = serviceImage(p, n);
    const labels: Record<string, string> = {
      ...(isDict(b.labels) ? Object.fromEntries(Object.entries(b.labels).map(([k, v]) => [k, str(v ?? '')])) : {}),
      [L.version]: COMPOSE_VERSION, [L.project]: p.name, [L.service]: n,
    };
    const tags = [image, ...(Array.isArray(b.tags) ? b.tags.map(str) : [])];
    const dockerfile = dockerfileOf(n, b, context);
    const secrets = buildSecrets(p, n, b.secrets);
    if (!o.quiet) progress('Service', n, 'Building');
    await buildImage({
      root, contextDir: context, dockerfile, tags, buildArgs: argsOf(p, b, o.buildArgs ?? []),
      target: b.target === undefined ? undefined : str(b.target), noCache: !!o.noCache || b.no_cache === true, labels,
      network: b.network === undefined ? undefined : str(b.network), quiet: !!o.quiet, secrets,
      progressOut: o.progressOut ?? process.stderr, pull: !!o.pull || b.pull === true,
    });
    if (!o.quiet) progress('Service', n, 'Built');
  }
}

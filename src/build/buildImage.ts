/**
 * `berth build`: parse the Dockerfile, pick the stages the target needs (following FROM
 * <stage> and COPY --from), check what can be checked before anything is stored (unknown
 * stages, missing context sources), then build those stages in order and publish the
 * target's image under its tags.
 */
import { recordEvent } from '../engine/eventLog.js';
import { ensureImage } from '../engine/ensureImage.js';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, isBerthError } from '../errors.js';
import type { ImageId } from '../image/digest.js';
import { ImageStore } from '../image/ImageStore.js';
import { BuildContext } from './buildContext.js';
import { parseDockerfile, type Dockerfile, type Instruction, type Stage } from './dockerfile.js';
import { lineError } from './dockerfileLines.js';
import { urlScheme } from './downloadUrl.js';
import { Progress, type ProgressMode } from './progress.js';
import { mountFroms, type Secret } from './runMounts.js';
import { expandWord } from './shellLex.js';
import { buildStage, type BuildEnv } from './stageBuild.js';
import { cacheKey, findCached, fromRecord, publish, putStepImage, type StepImage } from './stepImage.js';

export interface BuildOptions {
  root: string;
  /** The context directory (undefined: a Dockerfile on stdin with no context). */
  contextDir?: string;
  /** The context was unpacked from stdin into a directory that is gone after the build: no file-hash cache for it. */
  contextFromStdin?: boolean;
  dockerfile: { text: string; name: string; path?: string };
  tags: string[];
  buildArgs: Map<string, string>;
  target?: string;
  noCache: boolean;
  labels: Record<string, string>;
  network?: string;
  quiet: boolean;
  iidfile?: string;
  secrets: Secret[];
  progressOut: NodeJS.WritableStream;
  /** `--no-cache-filter`: stages (by name or index) whose steps never use the cache. */
  noCacheFilter?: string[];
  /** For every RUN: `--add-host`, `--ulimit`, `--shm-size` (bytes), as `run` takes them. */
  runOptions?: { addHost: string[]; ulimit: string[]; shmSize?: number };
  /** `plain` (the default), `tty` (a view redrawn in place) or `quiet`. */
  progress?: ProgressMode;
  /** `--pull`: pull every image the build names even when the store has it (else only missing ones). */
  pull?: boolean;
}

const HOST_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function hostPlatform(): { os: string; arch: string } {
  return { os: 'linux', arch: HOST_ARCH[process.arch] ?? process.arch };
}

function automaticArgs(): Map<string, string> {
  const p = hostPlatform();
  const m = new Map<string, string>();
  for (const pre of ['TARGET', 'BUILD']) {
    m.set(`${pre}PLATFORM`, `${p.os}/${p.arch}`);
    m.set(`${pre}OS`, p.os);
    m.set(`${pre}ARCH`, p.arch);
    m.set(`${pre}VARIANT`, '');
  }
  return m;
}

/** Values of the ARGs before the first FROM: --build-arg, else the default (expanded with the ones before). */
function globalArgValues(df: Dockerfile, o: BuildOptions, file: string): Map<string, string | undefined> {
  const vals = new Map<string, string | undefined>();
  const auto = automaticArgs();
  for (const a of df.globalArgs) {
    for (const x of a.args) {
      let def: string | undefined;
      try {
        def = x.value === undefined ? undefined : expandWord(x.value, (n) => vals.get(n) ?? auto.get(n), df.directives.escape);
      } catch (e) {
        throw lineError(file, a.line, (e as Error).message);
      }
      vals.set(x.name, o.buildArgs.get(x.name) ?? def ?? auto.get(x.name));
    }
  }
  return vals;
}

function stageRef(df: Dockerfile, ref: string): Stage | undefined {
  const r = ref.toLowerCase();
  if (/^\d+$/.test(r)) return df.stages[Number(r)];
  return df.stages.find((s) => s.name === r);
}

export async function buildImage(o: BuildOptions): Promise<ImageId> {
  const progress = new Progress(o.progressOut, o.quiet, o.progress ?? 'plain');
  try {
    return await build(o, progress);
  } finally {
    progress.close();
  }
}

async function build(o: BuildOptions, progress: Progress): Promise<ImageId> {
  const file = o.dockerfile.name;
  const df = parseDockerfile(o.dockerfile.text, file);
  const globals = globalArgValues(df, o, file);
  const auto = automaticArgs();
  const gx = (s: string, line: number) => {
    try {
      return expandWord(s, (n) => (globals.has(n) ? globals.get(n) : auto.get(n)), df.directives.escape);
    } catch (e) {
      throw lineError(file, line, (e as Error).message);
    }
  };
  const target = o.target === undefined ? df.stages[df.stages.length - 1] : stageRef(df, o.target);
  if (!target || (o.target !== undefined && /^\d+$/.test(o.target))) throw new BerthError('InvalidArgument', `${file}: target stage "${o.target}" could not be found`, { exitCode: 1 });
  const images = ImageStore.open(o.root);
  const context = new BuildContext(o.contextDir ?? emptyContext(o.root), o.contextDir ? BuildContext.ignoreFile(o.contextDir, o.dockerfile.path) : undefined, o.contextFromStdin ? undefined : path.join(o.root, 'builder', 'files.json'));

  // Which stages the target needs, found (and checked) before anything is built.
  const needed = new Set<number>();
  // Images the build names that no stage makes: resolved (pulled if need be) before any step runs.
  const external: { ref: string; line: number }[] = [];
  const visit = (s: Stage) => {
    if (needed.has(s.index)) return;
    needed.add(s.index);
    const fromName = gx(s.from.image, s.from.line);
    const base = stageRef(df, fromName);
    if (base && base.index < s.index && !/^\d+$/.test(s.from.image)) visit(base);
    else if (fromName !== 'scratch') external.push({ ref: fromName, line: s.from.line });
    const froms: { ins: Instruction; ref: string }[] = [];
    for (const ins of s.instructions) {
      if (ins.kind === 'COPY' && ins.from) froms.push({ ins, ref: ins.from });
      // RUN --mount=type=bind,from=…: a stage (or image) this one needs too.
      if (ins.kind === 'RUN') for (const f of mountFroms(ins.mounts, { word: (w: string) => w } as never)) froms.push({ ins, ref: f });
    }
    for (const { ins, ref: raw } of froms) {
      const ref = raw.includes('$') ? gx(raw, ins.line) : raw;
      const dep = stageRef(df, ref);
      if (dep) {
        if (dep.index === s.index) throw lineError(file, ins.line, `circular dependency detected on stage: ${ref}`);
        visit(dep);
      } else {
        try {
          images.resolve(ref);
        } catch (e) {
          // Not in the store: pulled when the step needs it; a malformed name fails now.
          if (isBerthError(e, 'InvalidArgument')) throw lineError(file, ins.line, `invalid from flag value ${ref}: ${(e as Error).message}`);
          if (!isBerthError(e, 'NotFound')) throw e;
          external.push({ ref, line: ins.line });
        }
      }
    }
  };
  visit(target);
  for (const i of needed) precheck(df.stages[i], context, file);

  const epoch = process.env.SOURCE_DATE_EPOCH;
  const sde = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : undefined;
  const created = () => new Date((sde ?? Date.now() / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const results = new Map<number, Promise<StepImage>>();
  // The build containers running now (one per stage at most): an interrupt or a failure removes them.
  const running = new Map<number, () => Promise<void>>();
  let interrupted = false;
  const multi = needed.size > 1;
  // An image the build names (FROM, COPY --from) comes from the store, or is pulled as
  // `run --pull missing` would (always with --pull); pull progress goes with the build's.
  const pulled = new Map<string, Promise<void>>();
  const resolveImage = async (ref: string, line: number): Promise<StepImage> => {
    if (!pulled.has(ref)) {
      const log = (t: string) => progress.log(t);
      const report = async () => ({ line: log, layer: (id: string, st: string) => { if (/complete|exists/i.test(st)) log(`${id}: ${st}`); } });
      pulled.set(ref, ensureImage(o.root, ref, o.pull ? 'always' : 'missing', { report, notice: log }));
    }
    try {
      await pulled.get(ref);
      return fromRecord(images.resolve(ref));
    } catch (e) {
      if (isBerthError(e, 'NotFound') || isBerthError(e, 'InvalidArgument') || isBerthError(e, 'Unavailable')) throw lineError(file, line, `${ref}: ${(e as Error).message}`);
      throw e;
    }
  };
  for (const x of external) await resolveImage(x.ref, x.line);
  const env = (s: Stage): BuildEnv => ({
    images, file, escape: df.directives.escape, context, progress, buildArgs: o.buildArgs, globalArgs: globals, automaticArgs: auto,
    noCache: o.noCache || !!o.noCacheFilter?.some((f) => stageRef(df, f) === s), network: o.network, runOptions: o.runOptions, created, sourceDateEpoch: sde,
    stageImage: async (ref, line) => {
      const st = stageRef(df, ref);
      return st ? stageResult(st) : resolveImage(ref, line);
    },
    onContainer: (r) => { if (r) running.set(s.index, r); else running.delete(s.index); },
    mounts: { root: o.root, context, secrets: new Map(o.secrets.map((x) => [x.id, x])) },
    scratch: () => scratch(images),
    label: `[${multi ? `${s.name ?? `stage-${s.index}`} ` : ''}`,
  });
  const stageResult = (s: Stage): Promise<StepImage> => {
    let p = results.get(s.index);
    if (!p) {
      p = (async () => {
        if (s.from.platform) {
          const want = gx(s.from.platform, s.from.line);
          const host = hostPlatform();
          if (want !== `${host.os}/${host.arch}` && want !== host.os) throw lineError(file, s.from.line, `platform ${want} is not supported: berth builds for the host's platform ${host.os}/${host.arch} only`);
        }
        const name = gx(s.from.image, s.from.line);
        const dep = stageRef(df, name);
        let base: StepImage;
        if (dep && dep.index < s.index && !/^\d+$/.test(name)) base = await stageResult(dep);
        else if (name === 'scratch') base = scratch(images);
        else base = await resolveImage(name, s.from.line);
        return buildStage(env(s), s, base, dep && dep.index < s.index ? dep.name ?? name : name);
      })();
      results.set(s.index, p);
    }
    return p;
  };
  const onInt = () => {
    interrupted = true;
    for (const r of running.values()) void r();
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onInt);
  let img: StepImage;
  // Every stage the target needs starts now: independent ones build concurrently, a stage
  // waits only for those it names (FROM, COPY --from). The first failure stops the others.
  const started = [...needed].sort((a, b) => a - b).map((i) => stageResult(df.stages[i]));
  for (const p of started) p.catch(() => undefined);
  try {
    await Promise.all(started);
    img = await stageResult(target);
  } catch (e) {
    for (const r of running.values()) void r();
    await Promise.allSettled(started);
    if (interrupted) throw new BerthError('Unavailable', 'build cancelled (interrupted)', { exitCode: 130, code: 'build.cancelled' });
    throw e;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onInt);
  }
  if (Object.keys(o.labels).length) {
    const cfg = { ...img.config, config: { ...(img.config.config ?? {}), Labels: { ...(img.config.config?.Labels ?? {}), ...o.labels } } };
    img = putStepImage(images, img, cacheKey([img.id, 'labels', o.labels]), { config: cfg });
  }
  const p = progress.step('exporting to image');
  p.line(`writing image ${img.id} done`);
  publish(images, img, o.tags);
  for (const t of o.tags) p.line(`naming to ${t} done`);
  p.done();
  if (o.iidfile) fs.writeFileSync(o.iidfile, img.id);
  recordEvent(o.root, 'image', 'build', img.id, { name: o.tags[0] ?? img.id });
  for (const t of o.tags) recordEvent(o.root, 'image', 'tag', img.id, { name: t });
  return img.id;
}

/** The empty image FROM scratch starts from (Docker gives it the default PATH). */
function scratch(images: ImageStore): StepImage {
  const { os, arch } = hostPlatform();
  const key = cacheKey(['scratch', os, arch]);
  const hit = findCached(images, key);
  if (hit) return hit;
  const config = { architecture: arch, os, config: { Env: [DEFAULT_PATH] }, rootfs: { type: 'layers' as const, diff_ids: [] } };
  return putStepImage(images, { config, layers: [] }, key, { config });
}

/** No context (a Dockerfile on stdin): an empty directory, so COPY finds nothing. */
function emptyContext(root: string): string {
  const d = path.join(root, 'builder', 'empty-context');
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** COPY/ADD sources from the context that are fixed text must exist before anything is built. */
function precheck(s: Stage, context: BuildContext, file: string): void {
  for (const ins of s.instructions as Instruction[]) {
    if ((ins.kind !== 'COPY' && ins.kind !== 'ADD') || (ins.kind === 'COPY' && ins.from)) continue;
    for (const src of ins.sources) {
      if (ins.kind === 'ADD' && urlScheme(src) === 'other') throw lineError(file, ins.line, `unsupported source ${src}: ADD fetches only http and https URLs`);
      if (src.startsWith('<<') || src.includes('$') || /^https?:\/\//i.test(src) || /^git@|\.git(#|$)/.test(src)) continue;
      if (context.expand(expandWord(src, () => undefined)).length === 0) {
        throw lineError(file, ins.line, `${ins.kind} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`);
      }
    }
  }
}

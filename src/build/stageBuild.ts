/**
 * One stage's instructions, in order, each a step: its cache key (parent image, the
 * instruction as expanded, build args in scope for RUN, source contents for COPY/ADD),
 * then — on a miss — its execution (./runStep.ts, ./copyStep.ts, ./metaStep.ts) into a
 * new step image (./stepImage.ts).
 */
import path from 'node:path';
import { isBerthError } from '../errors.js';
import type { ImageStore } from '../image/ImageStore.js';
import type { Digest } from '../image/digest.js';
import { readInRoot, statInRoot } from '../sys/rootFs.js';
import type { BuildContext } from './buildContext.js';
import { copyStep, withSnapshot, type CopySource } from './copyStep.js';
import { parseTrigger, type Instruction, type Stage } from './dockerfile.js';
import type { Heredoc } from './dockerfileLines.js';
import { lineError } from './dockerfileLines.js';
import { addSources, type FoundSources } from './addSources.js';
import { applyMeta, argvOf, DEFAULT_SHELL, type Expander } from './metaStep.js';
import type { Progress } from './progress.js';
import { runStep } from './runStep.js';
import { mountFroms, runMounts, type MountEnv } from './runMounts.js';
import { expandHeredoc, expandWord, expandWords, LexError } from './shellLex.js';
import { cacheKey, findCached, putStepImage, type StepImage } from './stepImage.js';

export interface BuildEnv {
  images: ImageStore;
  file: string;
  escape: string;
  context: BuildContext;
  progress: Progress;
  buildArgs: Map<string, string>;
  /** Values of global ARGs (before the first FROM), for `ARG NAME` without a default in a stage. */
  globalArgs: Map<string, string | undefined>;
  automaticArgs: Map<string, string>;
  noCache: boolean;
  network?: string;
  runOptions?: { addHost: string[]; ulimit: string[]; shmSize?: number };
  /** History `created` (SOURCE_DATE_EPOCH, else now). */
  created: () => string;
  /** Another stage's (or image's) result, for COPY --from. */
  stageImage: (ref: string, line: number) => Promise<StepImage>;
  /** A RUN's build container, while it exists (an interrupt removes it). */
  onContainer: (remove: (() => Promise<void>) | undefined) => void;
  mounts: MountEnv;
  /** `[name i/n]` prefix for progress lines. */
  label: string;
  sourceDateEpoch?: number;
  /** The empty image (FROM scratch): what `COPY --link` copies into. */
  scratch: () => StepImage;
}

interface State {
  img: StepImage;
  /** ARGs declared in this stage: name -> value (undefined: declared, unset). */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
  stepNo: number;
  steps: number;
}

const FILE_STEPS = new Set(['RUN', 'COPY', 'ADD']);

export async function buildStage(env: BuildEnv, stage: Stage, base: StepImage, baseTitle: string): Promise<StepImage> {
  const steps = 1 + stage.instructions.filter((i) => FILE_STEPS.has(i.kind)).length;
  const st: State = { img: base, args: new Map(), cmdSet: false, stepNo: 1, steps };
  env.progress.step(`${env.label}1/${steps}] FROM ${baseTitle}`).done();
  const triggers = base.config.config?.OnBuild ?? [];
  if (triggers.length) {
    // The parent's ONBUILD triggers run first, then are not inherited (Docker's rule).
    st.img = await step(env, st, { line: stage.from.line, original: 'ONBUILD reset', kind: 'LABEL', pairs: [] } as Instruction, { onbuildReset: true });
    for (const t of triggers) await step(env, st, parseTrigger(t, env.file, stage.from.line, env.escape));
  }
  for (const ins of stage.instructions) await step(env, st, ins);
  return st.img;
}

function lookup(env: BuildEnv, st: State): (n: string) => string | undefined {
  return (n) => {
    for (const e of [...(st.img.config.config?.Env ?? [])].reverse()) {
      const eq = e.indexOf('=');
      if (e.slice(0, eq) === n) return e.slice(eq + 1);
    }
    return st.args.get(n);
  };
}

function expander(env: BuildEnv, st: State, line: number): Expander {
  const look = lookup(env, st);
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof LexError) throw lineError(env.file, line, e.message);
      throw e;
    }
  };
  return { word: (s) => wrap(() => expandWord(s, look, env.escape)), words: (s) => wrap(() => expandWords(s, look, env.escape)), heredoc: (s) => wrap(() => expandHeredoc(s, look, env.escape)) };
}

/** Build args in scope with a value, minus those the image's ENV overrides (RUN's environment). */
function argEnv(st: State): string[] {
  const envKeys = new Set((st.img.config.config?.Env ?? []).map((e) => e.split('=')[0]));
  return [...st.args].filter(([k, v]) => v !== undefined && !envKeys.has(k)).map(([k, v]) => `${k}=${v}`).sort();
}

async function step(env: BuildEnv, st: State, ins: Instruction, o: { onbuildReset?: boolean } = {}): Promise<StepImage> {
  const fail = (m: string): never => { throw lineError(env.file, ins.line, m); };
  const x = expander(env, st, ins.line);
  if (o.onbuildReset) {
    const cfg = { ...st.img.config, config: { ...(st.img.config.config ?? {}), OnBuild: null } };
    return commitMeta(env, st, ['ONBUILD-RESET'], cfg, '');
  }
  if (ins.kind === 'ARG') return argStep(env, st, ins, x);
  if (ins.kind === 'RUN') return run(env, st, ins, x, fail);
  if (ins.kind === 'COPY' || ins.kind === 'ADD') return copy(env, st, ins, x, fail);
  if (ins.kind === 'FROM') return fail('unexpected FROM');
  const r = applyMeta(st.img.config, ins, x, st.cmdSet, fail);
  if (r.cmdSet) st.cmdSet = true;
  return commitMeta(env, st, [ins.kind, r.createdBy], r.config, r.createdBy);
}

function commitMeta(env: BuildEnv, st: State, keyParts: unknown[], config: StepImage['config'], createdBy: string): StepImage {
  const key = cacheKey([st.img.id, ...keyParts]);
  const hit = env.noCache ? undefined : findCached(env.images, key);
  st.img = hit ?? putStepImage(env.images, st.img, key, { config, history: { created: env.created(), created_by: createdBy, comment: 'buildkit.dockerfile.v0' } });
  return st.img;
}

function argStep(env: BuildEnv, st: State, ins: Extract<Instruction, { kind: 'ARG' }>, x: Expander): StepImage {
  const shown: string[] = [];
  for (const a of ins.args) {
    const def = a.value === undefined ? undefined : x.word(a.value);
    const v = env.buildArgs.get(a.name) ?? def ?? (env.globalArgs.has(a.name) ? env.globalArgs.get(a.name) : env.automaticArgs.get(a.name));
    st.args.set(a.name, v);
    shown.push(def === undefined ? a.name : `${a.name}=${def}`);
  }
  // The value is not in the image; it counts (in the key of each RUN) only where it is used.
  return commitMeta(env, st, ['ARG', shown], st.img.config, `ARG ${shown.join(' ')}`);
}

/** The argv of a RUN: exec form as is; shell form through SHELL, heredoc bodies given to the shell. */
function runArgv(st: State, ins: Extract<Instruction, { kind: 'RUN' }>): string[] {
  const shell = st.img.config.config?.Shell?.length ? st.img.config.config.Shell : DEFAULT_SHELL;
  if ('exec' in ins.cmd || ins.heredocs.length === 0) return argvOf(ins.cmd, shell);
  const only = /^\d*<<-?\s*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?$/.exec(ins.cmd.shell.trim());
  if (only && ins.heredocs.length === 1) return [...shell, ins.heredocs[0].body];
  return [...shell, `${ins.cmd.shell}\n${ins.heredocs.map((h: Heredoc) => `${h.body}${h.name}\n`).join('')}`];
}

async function run(env: BuildEnv, st: State, ins: Extract<Instruction, { kind: 'RUN' }>, x: Expander, fail: (m: string) => never): Promise<StepImage> {
  const argv = runArgv(st, ins);
  const args = argEnv(st);
  const network = ins.network ?? env.network;
  if (network && !['default', 'none', 'host'].includes(network)) fail(`unsupported network mode: ${network}`);
  const fromImages = new Map<string, StepImage>();
  for (const f of mountFroms(ins.mounts, x)) fromImages.set(f, await env.stageImage(f, ins.line));
  const mounts = runMounts({ ...env.mounts, images: env.images, fromImages }, ins.mounts, x, fail);
  const shown = `RUN ${args.length ? `|${args.length} ${args.join(' ')} ` : ''}${argv.join(' ')}`;
  const key = cacheKey([st.img.id, 'RUN', argv, args, network ?? 'default', mounts.key]);
  const title = `${env.label}${++st.stepNo}/${st.steps}] RUN ${'exec' in ins.cmd ? JSON.stringify(ins.cmd.exec) : ins.cmd.shell.replace(/\n/g, ' ')}`;
  const p = env.progress.step(title);
  const hit = env.noCache ? undefined : findCached(env.images, key);
  if (hit) {
    p.cached();
    st.img = hit;
    return hit;
  }
  try {
    const layer = await mounts.using(() => runStep(env.images, {
      image: st.img.id, argv, env: [...args, ...mounts.env], network, options: env.runOptions, mounts: mounts.specs, tmpfs: mounts.tmpfs, exclude: mounts.targets, mtimeMax: env.sourceDateEpoch,
      output: (_s, c) => p.output(c), started: (c) => env.onContainer(c.remove),
    }));
    env.onContainer(undefined);
    st.img = putStepImage(env.images, st.img, key, { config: st.img.config, layer, history: { created: env.created(), created_by: `${shown} # buildkit`, comment: 'buildkit.dockerfile.v0' } });
  } catch (e) {
    env.onContainer(undefined);
    p.error(isBerthError(e) ? e.message : String(e));
    if (isBerthError(e) && e.code === 'build.run') fail(e.message);
    throw e;
  }
  p.done();
  return st.img;
}

/** `--chown=user[:group]`: names looked up in the image's /etc/passwd and /etc/group; a lone user gives its uid as gid too. */
async function chownOf(env: BuildEnv, st: State, spec: string, fail: (m: string) => never): Promise<{ uid: number; gid: number }> {
  const [u, g] = spec.split(':');
  const num = (s: string) => /^\d+$/.test(s);
  if (num(u) && (g === undefined || num(g))) return { uid: Number(u), gid: Number(g ?? u) };
  const [passwd, group] = await withSnapshot(env.images, st.img.id, async (_k, root) => readInRoot(root, ['/etc/passwd', '/etc/group']));
  const uid = num(u) ? Number(u) : Number(passwd?.split('\n').map((l) => l.split(':')).find((f) => f[0] === u)?.[2] ?? NaN);
  if (Number.isNaN(uid)) fail(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${u}: no such user: ${u}`);
  if (g === undefined) return { uid, gid: uid };
  const gid = num(g) ? Number(g) : Number(group?.split('\n').map((l) => l.split(':')).find((f) => f[0] === g)?.[2] ?? NaN);
  if (Number.isNaN(gid)) fail(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${g}: no such group: ${g}`);
  return { uid, gid };
}

async function copy(env: BuildEnv, st: State, ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>, x: Expander, fail: (m: string) => never): Promise<StepImage> {
  const srcs = ins.sources.map((s) => (s.startsWith('<<') ? s : x.word(s)));
  const destRaw = x.word(ins.dest);
  const wd = st.img.config.config?.WorkingDir || '/';
  const dest = path.posix.resolve(wd, destRaw) + (destRaw.endsWith('/') || destRaw === '.' || destRaw.endsWith('/.') ? '/' : '');
  const chown = ins.chown ? await chownOf(env, st, x.word(ins.chown), fail) : undefined;
  const chmodText = ins.chmod ? x.word(ins.chmod) : undefined;
  if (chmodText !== undefined && !/^[0-7]{3,4}$/.test(chmodText)) fail(`invalid chmod parameter: ${chmodText}`);
  const chmod = chmodText === undefined ? undefined : parseInt(chmodText, 8);
  const from = ins.kind === 'COPY' && ins.from ? x.word(ins.from) : undefined;
  const fromImg = from === undefined ? undefined : await env.stageImage(from, ins.line);
  const found = await addSources(env, ins, srcs, fromImg, x, fail);
  try {
    return await copyFound(env, st, ins, { srcs, destRaw, dest, chown, chmod, from, found }, fail);
  } finally {
    found.dispose();
  }
}

interface CopyArgs { srcs: string[]; destRaw: string; dest: string; chown?: { uid: number; gid: number }; chmod?: number; from?: string; found: FoundSources }

async function copyFound(env: BuildEnv, st: State, ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>, a: CopyArgs, fail: (m: string) => never): Promise<StepImage> {
  const { srcs, destRaw, dest, chown, chmod, from, found } = a;
  const destIsDir = dest.endsWith('/') || found.count > 1;
  if (found.count > 1 && !dest.endsWith('/')) fail(`When using ${ins.kind} with more than one source file, the destination must be a directory and end with a /`);
  const flags = [...(from !== undefined ? [`--from=${from}`] : []), ...(ins.kind === 'ADD' && ins.checksum ? [`--checksum=${ins.checksum}`] : []), ...(ins.link ? ['--link'] : []), ...(ins.kind === 'COPY' && ins.parents ? ['--parents'] : []), ...ins.exclude.map((p) => `--exclude=${p}`)];
  const shown = `${ins.kind} ${[...flags, ...srcs, destRaw].join(' ')}`;
  const p = env.progress.step(`${env.label}${++st.stepNo}/${st.steps}] ${shown}`);
  // --link: the files go into a layer of their own, made on an empty image and keyed without
  // the parent, so a change below it reuses the layer as it is (BuildKit's rebase).
  const destType = ins.link && !dest.endsWith('/') && !destIsDir ? await withSnapshot(env.images, st.img.id, async (_k, root) => statInRoot(root, true, [dest])[0] ?? null, false) : ins.link ? null : undefined;
  const linkKey = ins.link ? cacheKey(['link', ins.kind, found.key, dest, destType, chown, chmod, env.sourceDateEpoch]) : undefined;
  const key = linkKey ? cacheKey([st.img.id, 'link', linkKey]) : cacheKey([st.img.id, ins.kind, found.key, dest, chown, chmod]);
  const hit = env.noCache ? undefined : findCached(env.images, key);
  if (hit) {
    p.cached();
    st.img = hit;
    return hit;
  }
  const history = { created: env.created(), created_by: `${shown} # buildkit`, comment: 'buildkit.dockerfile.v0' };
  const linked = linkKey && !env.noCache ? findCached(env.images, linkKey) : undefined;
  try {
    let layer: { digest: Digest; size: number };
    if (linked) layer = { digest: linked.layers[linked.layers.length - 1].digest, size: linked.layers[linked.layers.length - 1].size };
    else {
      const onto = linkKey ? env.scratch() : st.img;
      layer = await found.open((sources: CopySource[]) => copyStep(env.images, onto.id, { sources, dest, destIsDir, destType, owner: chown, chmod, mtimeMax: env.sourceDateEpoch }));
      if (linkKey) putStepImage(env.images, onto, linkKey, { config: onto.config, layer, history });
    }
    st.img = putStepImage(env.images, st.img, key, { config: st.img.config, layer, history });
  } catch (e) {
    p.error(isBerthError(e) ? e.message : String(e));
    throw e;
  }
  if (linked) p.cached();
  else p.done();
  return st.img;
}

/**
 * `RUN --mount=...` as engine mounts for the build container:
 *   type=cache   a directory under `<root>/builder/cache-mounts/` kept between builds (`id`,
 *                default the target); `builder prune` removes them
 *   type=tmpfs   a tmpfs at the target
 *   type=secret  the `--secret id=...` file (or env value, written to a 0600 temp file) read-only
 *                at `/run/secrets/<id>` or the target; `required=true` fails when absent
 *   type=bind    a context path (read-only unless `rw`), or with `from=` a path of another stage or
 *                image, copied out of it for the RUN (`rw` writes are dropped with the copy)
 *   sharing=     for cache: shared (default), locked (one RUN at a time), private (own dir when busy)
 * Mount points the mounts needed are left out of the layer; secrets are never in a cache key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { copyTar, underTop } from '../engine/copyStream.js';
import type { ImageStore } from '../image/ImageStore.js';
import { statInRoot, tarIn, tarOut } from '../sys/rootFs.js';
import type { BuildContext } from './buildContext.js';
import { withSnapshot } from './copyStep.js';
import type { Expander } from './metaStep.js';
import type { StepImage } from './stepImage.js';

export interface Secret { id: string; file?: string; env?: string }

export interface MountEnv {
  root: string;
  context: BuildContext;
  secrets: Map<string, Secret>;
  images?: ImageStore;
  /** `from=` of this RUN's bind mounts, resolved by the caller (stage or image). */
  fromImages?: Map<string, StepImage>;
}

/** The `from=` values of a RUN's mounts (expanded), so the caller can resolve them first. */
export function mountFroms(specs: string[], x: Expander): string[] {
  return specs.map((raw) => kv(x.word(raw))).filter((o) => o.has('from') && (o.get('type') ?? 'bind') === 'bind').map((o) => o.get('from')!);
}

interface FromBind { index: number; img: string; src: string; dst: string; rw: boolean }

/** Copy each from= source out of its image (through a read-only view) into a temp dir bound for the RUN, removed after. */
async function withFromBinds<T>(env: MountEnv, out: RunMounts, binds: FromBind[], fail: (m: string) => never, fn: () => Promise<T>): Promise<T> {
  const dirs: string[] = [];
  try {
    for (const b of binds) {
      const base = path.join(env.root, 'builder', 'tmp');
      fs.mkdirSync(base, { recursive: true, mode: 0o700 });
      const tmp = fs.mkdtempSync(path.join(base, 'bind-'));
      dirs.push(tmp);
      const source = await withSnapshot(env.images!, b.img, async (_k, root) => {
        const [t] = statInRoot(root, true, [b.src]);
        if (!t) fail(`bind mount from: ${b.src}: not found`);
        const into = t === 'dir' ? tmp : path.join(tmp, 'file');
        // A directory's tar lands as tmp itself; a file's top entry (`.`) is renamed to tmp/file.
        const rewrite = t === 'dir' ? undefined : { rename: underTop('file'), owners: (uid: number, gid: number) => ({ uid, gid }) };
        await copyTar(tarOut(root, b.src, true), rewrite, tarIn({ dir: tmp }, '.', 'beneath'));
        return into;
      }, false);
      out.specs[b.index] = `type=bind,source=${source},target=${b.dst}${b.rw ? '' : ',readonly'}`;
    }
    return await fn();
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

export interface RunMounts {
  specs: string[];
  tmpfs: string[];
  env: string[];
  /** What the cache key knows (never a secret's content). */
  key: unknown[];
  /** Paths (no leading /) that are only mount points: kept out of the layer. */
  targets: string[];
  /** Run `fn` with the temp files (env secrets) in place; they go afterwards. */
  using<T>(fn: () => Promise<T>): Promise<T>;
}

function kv(spec: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of spec.split(',')) {
    const i = f.indexOf('=');
    m.set(i < 0 ? f : f.slice(0, i), i < 0 ? 'true' : f.slice(i + 1));
  }
  return m;
}

export const cacheMountDir = (root: string) => path.join(root, 'builder', 'cache-mounts');

export function runMounts(env: MountEnv, specs: string[], x: Expander, fail: (m: string) => never): RunMounts {
  const out: RunMounts = { specs: [], tmpfs: [], env: [], key: [], targets: [], using: (fn) => fn() };
  const temps: string[] = [];
  const cacheUses: CacheUse[] = [];
  const fromBinds: FromBind[] = [];
  for (const raw of specs) {
    const o = kv(x.word(raw));
    const type = o.get('type') ?? 'bind';
    const target = o.get('target') ?? o.get('dst') ?? o.get('destination');
    const abs = (t: string) => path.posix.resolve('/', t);
    if (type === 'secret') {
      const id = o.get('id') ?? (target ? path.posix.basename(target) : undefined);
      if (!id) fail('secret mount requires an id or a target');
      const dst = abs(target ?? `/run/secrets/${id}`);
      const s = env.secrets.get(id);
      if (!s) {
        if (o.get('required') === 'true') fail(`secret ${id} not found`);
        continue;
      }
      let file = s.file;
      if (!file) {
        const dir = path.join(env.root, 'builder', 'tmp');
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        file = path.join(dir, `secret-${crypto.randomBytes(8).toString('hex')}`);
        temps.push(file);
      }
      out.specs.push(`type=bind,source=${file},target=${dst},readonly`);
      out.key.push(['secret', id, dst]);
      out.targets.push(dst.slice(1));
      if (dst.startsWith('/run/secrets/')) out.targets.push('run/secrets');
      continue;
    }
    if (!target) fail(`mount type=${type} requires a target`);
    const dst = abs(target);
    out.targets.push(dst.slice(1));
    if (type === 'tmpfs') {
      out.tmpfs.push(dst);
      out.key.push(['tmpfs', dst]);
    } else if (type === 'cache') {
      const id = o.get('id') ?? dst;
      const dir = path.join(cacheMountDir(env.root), crypto.createHash('sha256').update(id).digest('hex').slice(0, 32));
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      const sharing = o.get('sharing') ?? 'shared';
      if (!['shared', 'private', 'locked'].includes(sharing)) fail(`invalid cache sharing mode: ${sharing} (shared, private, locked)`);
      out.specs.push(`type=bind,source=${dir},target=${dst}`);
      cacheUses.push({ index: out.specs.length - 1, dir, dst, sharing: sharing as CacheUse['sharing'] });
      out.key.push(['cache', id, dst]);
    } else if (type === 'bind' && o.has('from')) {
      // Another stage's or image's files: copied out of it for this RUN (read-only by default; rw writes are dropped).
      const img = env.fromImages?.get(o.get('from')!);
      if (!img || !env.images) fail(`bind mount from=${o.get('from')}: not found`);
      const src = path.posix.normalize(`/${o.get('source') ?? o.get('src') ?? ''}`);
      const rw = o.get('rw') === 'true' || o.get('readwrite') === 'true';
      out.specs.push('');
      fromBinds.push({ index: out.specs.length - 1, img: img.id, src, dst, rw });
      out.key.push(['bind-from', img.id, src, dst, rw]);
    } else if (type === 'bind') {
      const rel = env.context.resolve(path.posix.normalize(`/${o.get('source') ?? o.get('src') ?? ''}`).slice(1));
      if (rel === undefined) fail(`bind mount source ${o.get('source') ?? '.'}: not found in build context`);
      const rw = o.get('rw') === 'true' || o.get('readwrite') === 'true';
      out.specs.push(`type=bind,source=${path.join(env.context.dir, rel)},target=${dst}${rw ? '' : ',readonly'}`);
      out.key.push(['bind', rel, dst, rw, env.context.hashSources([rel])]);
    } else fail(`unsupported mount type: ${type}`);
  }
  if (fromBinds.length) {
    const inner0 = out.using;
    out.using = (fn) => withFromBinds(env, out, fromBinds, fail, () => inner0(fn));
  }
  if (cacheUses.length) {
    const inner = out.using;
    out.using = (fn) => withCacheSharing(out, cacheUses, () => inner(fn));
  }
  if (temps.length) {
    const outer = out.using;
    out.using = async (fn) => outer(async () => {
      let i = 0;
      for (const raw of specs) {
        const o = kv(x.word(raw));
        if ((o.get('type') ?? 'bind') !== 'secret') continue;
        const id = o.get('id') ?? path.posix.basename(o.get('target') ?? '');
        const s = env.secrets.get(id);
        if (s && !s.file) fs.writeFileSync(temps[i++], process.env[s.env!] ?? '', { mode: 0o600 });
      }
      try {
        return await fn();
      } finally {
        for (const t of temps) fs.rmSync(t, { force: true });
      }
    });
  }
  return out;
}

interface CacheUse { index: number; dir: string; dst: string; sharing: 'shared' | 'private' | 'locked' }

/** Cache mounts in use in this build, by directory: how many RUNs have it, and the tail of its lock queue. */
const inUse = new Map<string, number>();
const locks = new Map<string, Promise<void>>();

/**
 * `sharing=locked`: one RUN at a time has the directory (the others wait their turn);
 * `sharing=private`: a RUN that finds it in use gets a fresh directory of its own, dropped after.
 * (`shared`, the default: every RUN has it at once.)
 */
async function withCacheSharing<T>(out: RunMounts, uses: CacheUse[], fn: () => Promise<T>): Promise<T> {
  const release: (() => void)[] = [];
  try {
    for (const u of uses) {
      if (u.sharing === 'locked') {
        const prev = locks.get(u.dir) ?? Promise.resolve();
        let free!: () => void;
        const mine = new Promise<void>((r) => { free = r; });
        const tail = prev.then(() => mine);
        locks.set(u.dir, tail);
        await prev;
        release.push(() => { free(); if (locks.get(u.dir) === tail) locks.delete(u.dir); });
      } else if (u.sharing === 'private' && inUse.get(u.dir)) {
        const own = fs.mkdtempSync(`${u.dir}-private-`);
        out.specs[u.index] = `type=bind,source=${own},target=${u.dst}`;
        release.push(() => fs.rmSync(own, { recursive: true, force: true }));
        continue;
      }
      inUse.set(u.dir, (inUse.get(u.dir) ?? 0) + 1);
      release.push(() => inUse.set(u.dir, inUse.get(u.dir)! - 1));
    }
    return await fn();
  } finally {
    for (const r of release.reverse()) r();
  }
}

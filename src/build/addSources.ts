/**
 * The sources of a COPY/ADD, found and keyed before anything runs: context paths and globs
 * (./buildContext.ts, `.dockerignore` applied), heredocs, another stage's or image's paths
 * (`--from`), and for ADD local archives (extracted) and http(s) URLs (`--checksum`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { decompressor, detectCompression } from '../image/decompress.js';
import { isTarHeader } from '../image/tar/TarParser.js';
import { statInRoot, type FsRoot } from '../sys/rootFs.js';
import { withSnapshot, type CopySource } from './copyStep.js';
import { downloadUrl, parseChecksum, urlScheme } from './downloadUrl.js';
import { IgnoreMatcher, parseDockerignore } from './dockerignore.js';
import type { Instruction } from './dockerfile.js';
import type { Expander } from './metaStep.js';
import type { BuildEnv } from './stageBuild.js';
import type { StepImage } from './stepImage.js';

export interface FoundSources {
  /** How many things are copied (several: the destination must be a directory). */
  count: number;
  /** What the cache key needs to know about them (contents, not just names). */
  key: unknown;
  keepOwners: boolean;
  /** Run the copy with the sources open (a --from image's root is mounted meanwhile). */
  open<T>(fn: (sources: CopySource[]) => Promise<T>): Promise<T>;
  /** Remove what finding them left (downloads); called once the step is done, hit or miss. */
  dispose(): void;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/**
 * `--parents`: where a matched source lands below the destination — its path from the
 * context (or image) root, or from the pivot `/./` in the source as written
 * (`COPY --parents ./x/./y/*.txt /d/` gives `/d/y/…`).
 */
export function parentsPath(src: string, rel: string): string {
  const s = src.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  const i = s.lastIndexOf('/./');
  if (i < 0) return rel;
  const pivot = path.posix.normalize(`/${s.slice(0, i)}`).slice(1);
  return pivot && (rel === pivot || rel.startsWith(`${pivot}/`)) ? rel.slice(pivot.length).replace(/^\//, '') : rel;
}

/** `--exclude=PATTERN` (repeatable): .dockerignore patterns, matched against a path relative to the source it belongs to. */
export function excludeMatcher(patterns: string[]): IgnoreMatcher | undefined {
  return patterns.length ? new IgnoreMatcher(parseDockerignore(patterns.join('\n'))) : undefined;
}

/** Is this context file a tar (plain, gzip or zstd) that ADD unpacks? */
function archiveKind(file: string): 'tar' | 'gzip' | 'zstd' | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, 512, 0);
    const c = detectCompression(head.subarray(0, n));
    if (c !== 'none') return c;
    return n === 512 && isTarHeader(head) ? 'tar' : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export async function addSources(env: BuildEnv, ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>, srcs: string[], fromImg: StepImage | undefined, x: Expander, fail: (m: string) => never): Promise<FoundSources> {
  const mtime = env.sourceDateEpoch ?? Math.floor(Date.now() / 1000);
  const inline: CopySource[] = [];
  const keyParts: unknown[] = [];
  const paths: string[] = [];
  const lazy: (() => Promise<CopySource>)[] = [];
  const files: string[] = [];
  const dispose = () => { for (const f of files) fs.rmSync(f, { force: true }); };
  let hd = 0;
  for (const s of srcs) {
    if (s.startsWith('<<')) {
      const h = ins.heredocs[hd++];
      if (!h) fail(`heredoc ${s} has no body`);
      const body = h.quoted ? h.body : x.heredoc(h.body);
      inline.push({ kind: 'bytes', name: h.name, body: Buffer.from(body), mode: 0o644, mtime });
      keyParts.push(['heredoc', h.name, body]);
    } else if (ins.kind === 'ADD' && urlScheme(s)) {
      if (urlScheme(s) !== 'http') fail(`unsupported source ${s}: ADD fetches only http and https URLs`);
      const dir = path.join(env.mounts.root, 'builder', 'downloads');
      if (ins.checksum) {
        // The checksum is the key (as in BuildKit): nothing is fetched when the step is cached.
        if (!parseChecksum(ins.checksum)) fail(`invalid checksum ${ins.checksum}: expected sha256:<64 hex digits>`);
        lazy.push(async () => {
          const d = await downloadUrl(s, dir, ins.checksum, fail);
          files.push(d.file);
          return { kind: 'file', name: d.name, file: d.file, size: d.size, mode: 0o600, mtime: d.mtime ?? mtime };
        });
        keyParts.push(['url', s, ins.checksum]);
      } else {
        const d = await downloadUrl(s, dir, undefined, fail);
        files.push(d.file);
        inline.push({ kind: 'file', name: d.name, file: d.file, size: d.size, mode: 0o600, mtime: d.mtime ?? mtime });
        keyParts.push(['url', s, d.sha256, d.mtime ?? null]);
      }
    } else paths.push(s);
  }
  if (ins.checksum && !srcs.every(isUrl)) fail('checksum can\'t be specified for non-HTTP(S) sources');
  const withLazy = <T>(open: (fn: (s: CopySource[]) => Promise<T>) => Promise<T>, fn: (s: CopySource[]) => Promise<T>) => open(async (srcs0) => fn([...(await Promise.all(lazy.map((l) => l()))), ...srcs0]));
  if (fromImg) return fromImage(env, fromImg, paths, inline, keyParts, fail, ins.kind === 'COPY' && ins.parents, excludeMatcher(ins.exclude.map((p) => x.word(p))));
  const rels: string[] = [];
  const sources = [...inline];
  let keepOwners = false;
  const ex = excludeMatcher(ins.exclude.map((p) => x.word(p)));
  for (const s of paths) {
    const glob = /[*?[]/.test(s);
    // A glob's matches are themselves subject to --exclude (by name); a named source is not.
    const all = env.context.expandNamed(s);
    const found = all.filter((m) => !(glob && ex?.excluded(m.name)));
    if (all.length === 0) fail(`${ins.kind} failed: file not found in build context or excluded by .dockerignore: stat ${s}: file does not exist`);
    for (const { rel, name } of found) {
      rels.push(rel);
      const kind = env.context.kind(rel);
      const abs = path.join(env.context.dir, rel);
      const arch = ins.kind === 'ADD' && kind === 'file' ? archiveKind(abs) : undefined;
      if (arch) {
        keepOwners = true;
        sources.push({ kind: 'archive', stream: () => (arch === 'tar' ? fs.createReadStream(abs) : fs.createReadStream(abs).pipe(decompressor(arch))) as Readable });
        keyParts.push(['archive', rel]);
        continue;
      }
      sources.push({
        kind: 'tree', root: { dir: env.context.dir }, path: rel || '.', name: name || '.', isDir: kind === 'dir',
        skip: (n) => env.context.ignore.excluded(rel ? `${rel}/${n}` : n) || !!ex?.excluded(n),
        ...(ins.kind === 'COPY' && ins.parents ? { at: parentsPath(s, rel) } : {}),
      });
    }
  }
  if (ex) keyParts.push(['exclude', ins.exclude]);
  if (ins.kind === 'COPY' && ins.parents) keyParts.push(['parents', paths]);
  keyParts.push(['context', rels, rels.length ? env.context.hashSources(rels) : '']);
  return { count: sources.length + lazy.length, key: keyParts, keepOwners, open: (fn) => withLazy((f) => f(sources), fn), dispose };
}

/** `COPY --from=stage|image`: paths inside that image's root (read through a read-only view of it). */
async function fromImage(env: BuildEnv, img: StepImage, paths: string[], inline: CopySource[], keyParts: unknown[], fail: (m: string) => never, parents: boolean, ex: IgnoreMatcher | undefined): Promise<FoundSources> {
  keyParts.push(['from', img.id, paths, parents, ex ? ex.patterns.map((p) => [p.re.source, p.exception]) : []]);
  return {
    count: paths.length + inline.length,
    key: keyParts,
    keepOwners: false,
    dispose: () => undefined,
    open: (fn) => withSnapshot(env.images, img.id, async (_key, root: FsRoot) => {
      const types = statInRoot(root, true, paths.map((p) => path.posix.resolve('/', p)));
      const sources: CopySource[] = paths.map((p, i) => {
        if (!types[i]) fail(`failed to compute cache key: "${path.posix.resolve('/', p)}": not found`);
        const abs = path.posix.resolve('/', p);
        return {
          kind: 'tree', root, path: abs, name: path.posix.basename(abs), isDir: types[i] === 'dir', skip: ex ? (n: string) => ex.excluded(n) : undefined,
          ...(parents ? { at: parentsPath(p, abs.slice(1)) } : {}),
        };
      });
      return fn([...inline, ...sources]);
    }, false),
  };
}

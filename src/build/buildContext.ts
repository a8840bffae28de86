/**
 * The build context: a host directory the user chose, read for COPY/ADD sources. Paths in it
 * are resolved the way the helper's tar-out resolves them (RESOLVE_IN_ROOT): a symlink's
 * absolute target starts again at the context, `..` stops at it — so no source ever names a
 * file outside the context. Globs expand here; contents are hashed for the cache, with
 * (size, mtime, ctime, inode, mode) as the fast path (`<root>/builder/files.json`).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../sys/atomicWrite.js';
import { globRegExp, IgnoreMatcher, parseDockerignore } from './dockerignore.js';

interface FileHashEntry { key: string; sha: string }

export class BuildContext {
  readonly ignore: IgnoreMatcher;
  private hashes: Record<string, FileHashEntry>;
  private dirty = false;

  constructor(readonly dir: string, ignoreText: string | undefined, private readonly cacheFile?: string) {
    this.ignore = new IgnoreMatcher(parseDockerignore(ignoreText ?? ''));
    this.hashes = {};
    if (cacheFile) try { this.hashes = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, FileHashEntry>; } catch { /* none yet */ }
  }

  /** `.dockerignore`, or `<Dockerfile>.dockerignore` beside a named Dockerfile (which wins). */
  static ignoreFile(dir: string, dockerfile?: string): string | undefined {
    const cands = dockerfile ? [`${dockerfile}.dockerignore`] : [];
    cands.push(path.join(dir, '.dockerignore'));
    for (const c of cands) try { return fs.readFileSync(c, 'utf8'); } catch { /* next */ }
    return undefined;
  }

  /**
   * A context-relative path resolved inside the context (symlinks followed the way the
   * kernel's RESOLVE_IN_ROOT does); `follow`: also the last component. Undefined when missing.
   */
  resolve(rel: string, follow = true): string | undefined {
    const todo = rel.split('/').filter((c) => c && c !== '.');
    const done: string[] = [];
    let links = 0;
    while (todo.length) {
      const c = todo.shift()!;
      if (c === '..') { done.pop(); continue; }
      const st = lstat(path.join(this.dir, ...done, c));
      if (!st) return undefined;
      if (st.isSymbolicLink() && (follow || todo.length)) {
        if (++links > 40) return undefined;
        const t = fs.readlinkSync(path.join(this.dir, ...done, c));
        if (t.startsWith('/')) done.length = 0;
        todo.unshift(...t.split('/').filter((x) => x && x !== '.'));
        continue;
      }
      done.push(c);
    }
    return done.join('/');
  }

  /** A COPY source: a path or a glob (Go's filepath.Match per component), context-relative results sorted. */
  expand(src: string): string[] {
    return this.expandNamed(src).map((m) => m.rel);
  }

  /**
   * Like expand, each match with the name it is copied under: the last component as matched
   * (a symlink's own name, though its target is what is read), as BuildKit names it.
   */
  expandNamed(src: string): { rel: string; name: string }[] {
    const clean = path.posix.normalize(`/${src}`).slice(1).replace(/\/+$/, '');
    if (!/[*?[]/.test(clean)) {
      const r = this.resolve(clean);
      return r === undefined || (r !== '' && this.ignore.excluded(r)) ? [] : [{ rel: r, name: path.posix.basename(clean) || path.posix.basename(r) }];
    }
    let cur = [''];
    for (const comp of clean.split('/')) {
      const re = /[*?[]/.test(comp) ? globRegExp(comp, false) : undefined;
      const next: string[] = [];
      for (const base of cur) {
        if (!re) {
          const r = this.resolve(base ? `${base}/${comp}` : comp, true);
          if (r !== undefined) next.push(r);
          continue;
        }
        const d = this.resolve(base);
        if (d === undefined) continue;
        let names: string[];
        try { names = fs.readdirSync(path.join(this.dir, d)); } catch { continue; }
        for (const n of names.sort()) if (re.test(n)) next.push(d ? `${d}/${n}` : n);
      }
      cur = next;
    }
    return cur.filter((r) => !this.ignore.excluded(r)).map((r) => ({ rel: this.resolve(r) ?? r, name: path.posix.basename(r) }));
  }

  /** What a resolved source is on the host (its last component already followed). */
  kind(rel: string): 'dir' | 'file' | 'other' | undefined {
    const st = lstat(path.join(this.dir, rel));
    return !st ? undefined : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  }

  /** A digest of sources as COPY would take them: names, types, modes, link targets, contents (ignored files left out). */
  hashSources(rels: string[]): string {
    const h = crypto.createHash('sha256');
    for (const rel of rels) {
      h.update(`src ${rel}\0`);
      this.hashTree(rel, '.', h);
    }
    this.save();
    return h.digest('hex');
  }

  private hashTree(rel: string, name: string, h: crypto.Hash): void {
    const abs = path.join(this.dir, rel);
    const st = lstat(abs);
    if (!st) return;
    if (name !== '.' && this.ignore.excluded(rel)) {
      if (!st.isDirectory() || !this.ignore.mayInclude(rel)) return;
    } else h.update(`${name}\0${st.mode}\0`);
    if (st.isSymbolicLink()) h.update(`${fs.readlinkSync(abs)}\0`);
    else if (st.isFile()) h.update(`${this.fileHash(abs, st)}\0`);
    else if (st.isDirectory()) for (const n of fs.readdirSync(abs).sort()) this.hashTree(rel ? `${rel}/${n}` : n, name === '.' ? n : `${name}/${n}`, h);
  }

  private fileHash(abs: string, st: fs.Stats): string {
    const key = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}:${st.dev}`;
    const hit = this.hashes[abs];
    if (hit?.key === key) return hit.sha;
    const h = crypto.createHash('sha256');
    const fd = fs.openSync(abs, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
    const sha = h.digest('hex');
    this.hashes[abs] = { key, sha };
    this.dirty = true;
    return sha;
  }

  private save(): void {
    if (!this.cacheFile || !this.dirty) return;
    fs.mkdirSync(path.dirname(this.cacheFile), { recursive: true });
    writeJsonAtomic(this.cacheFile, this.hashes);
    this.dirty = false;
  }
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

import fs from 'node:fs';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { mknodBatch, type NodeSpec } from '../sys/mknod.js';
import { currentUmask } from '../sys/umask.js';
import { setXattrs, type XattrSet } from '../sys/xattr.js';
import type { TarEntry } from './tar/TarEntry.js';
import type { TarHandler } from './tar/TarParser.js';
import { entryComponents, unsafeEntry } from './unsafePath.js';
import { ioProfile, now } from './unpackProfile.js';

type Kind = 'dir' | 'file' | 'symlink' | 'node';
const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
const isRoot = process.getuid?.() === 0;

/** What applying a layer produced. */
export interface ApplyResult {
  /** Sum of regular file sizes (hard links counted once), as Docker reports layer size. */
  size: number;
  /** Directories (relative, '' = root) marked opaque by `.wh..wh..opq`. */
  opaque: string[];
  whiteouts: number;
}

/**
 * Applies one layer's tar stream into an empty directory, converting OCI whiteouts into
 * overlayfs form (char device 0/0, `trusted.overlay.opaque=y`). Everything is written
 * relative to `root`; entries that would leave it (`..`, absolute paths, paths through a
 * symlink pointing outside, hard links to outside, NUL in names) are refused.
 * We keep our own table of what we created, so no lookup ever follows a link on disk.
 */
export class LayerApplier implements TarHandler {
  private kinds = new Map<string, Kind>();
  private links = new Map<string, string>();
  private nodes = new Map<string, NodeSpec>();
  private nodeLinks: { from: string; to: string }[] = [];
  private xattrs = new Map<string, Map<string, Buffer>>();
  private dirs = new Map<string, TarEntry>();
  private opaque = new Set<string>();
  private fd: number | undefined;
  private cur?: TarEntry;
  private size = 0;
  private whiteouts = 0;
  private readonly prof = ioProfile();
  /** Directory resolutions by the raw parent path of an entry; cleared when anything is removed. */
  private parents = new Map<string, string[]>();
  /** The umask now: a file opened with a mode it leaves whole needs no fchmod. */
  private readonly umask = currentUmask();

  constructor(private readonly root: string) {
    this.kinds.set('', 'dir');
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * Resolve directory components inside the layer, creating missing ones. Symlinks (ours,
   * from earlier entries) are followed component by component like the kernel would, and
   * refused when absolute or when `..` would climb above the layer root.
   */
  private dirOf(comps: string[], name: string, create = true): string[] {
    const out: string[] = [];
    const todo = [...comps];
    let hops = 0;
    while (todo.length) {
      const c = todo.shift()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (out.length === 0) throw unsafeEntry(name, 'path goes through a symlink pointing outside the layer');
        out.pop();
        continue;
      }
      const rel = out.length ? `${out.join('/')}/${c}` : c;
      const k = this.kinds.get(rel);
      if (k === undefined) {
        if (!create) throw unsafeEntry(name, `${rel} does not exist in the layer`);
        fs.mkdirSync(this.abs(rel), 0o755);
        this.kinds.set(rel, 'dir');
        out.push(c);
      } else if (k === 'dir') out.push(c);
      else if (k === 'symlink') {
        const target = this.links.get(rel)!;
        if (target.startsWith('/')) throw unsafeEntry(name, `path goes through symlink ${rel} -> ${target} (absolute)`);
        if (++hops > 40) throw unsafeEntry(name, 'too many levels of symbolic links');
        todo.unshift(...target.split('/'));
      } else throw unsafeEntry(name, `${rel} is not a directory`);
    }
    return out;
  }

  /** The resolved parent (relative path) of an entry's components, cached by the raw path. */
  private parentOf(comps: string[], name: string): string {
    if (comps.length === 1) return '';
    const raw = comps.slice(0, -1).join('/');
    const hit = this.parents.get(raw);
    if (hit) return hit[0];
    const prel = this.dirOf(comps.slice(0, -1), name).join('/');
    if (this.parents.size > 4096) this.parents.clear();
    this.parents.set(raw, [prel]);
    return prel;
  }

  private remove(rel: string): void {
    const k = this.kinds.get(rel);
    if (k === undefined) return;
    this.parents.clear();
    if (k === 'node') this.nodes.delete(rel);
    else if (k === 'dir') fs.rmSync(this.abs(rel), { recursive: true, force: true });
    else fs.unlinkSync(this.abs(rel));
    if (k !== 'dir') {
      for (const m of [this.kinds, this.links, this.nodes, this.xattrs, this.dirs] as Map<string, unknown>[]) m.delete(rel);
      return;
    }
    const prefix = `${rel}/`;
    for (const m of [this.kinds, this.links, this.nodes, this.xattrs, this.dirs] as Map<string, unknown>[]) {
      for (const key of m.keys()) if (key === rel || key.startsWith(prefix)) m.delete(key);
    }
  }

  entry(e: TarEntry): void {
    const p = this.prof;
    if (!p) return this.apply(e);
    const t0 = now();
    const paths0 = p.ms.paths ?? 0;
    try {
      this.apply(e);
    } finally {
      // 'create' is the entry's time less its path resolution (timed inside apply)
      p.add('create', t0 + (p.ms.paths ?? 0) - paths0);
    }
  }

  private apply(e: TarEntry): void {
    const t0 = this.prof ? now() : 0;
    const comps = entryComponents(e.name);
    if (comps.length === 0) {
      if (e.type !== 'dir') throw unsafeEntry(e.name, 'the root must be a directory');
      this.dirs.set('', e);
      return;
    }
    const base = comps[comps.length - 1];
    const prel = this.parentOf(comps, e.name);
    this.prof?.add('paths', t0);
    if (base.startsWith(WH)) return this.whiteout(e, prel, base);
    const rel = prel ? `${prel}/${base}` : base;
    const p = this.abs(rel);
    const old = this.kinds.get(rel);
    if (old === 'dir' && e.type === 'dir') {
      this.dirs.set(rel, e);
      this.setXattrs(rel, e);
      return;
    }
    if (old !== undefined) this.remove(rel);
    switch (e.type) {
      case 'file':
        this.fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, this.umask === undefined ? 0o600 : e.mode & 0o777);
        this.cur = e;
        this.size += e.size;
        this.kinds.set(rel, 'file');
        break;
      case 'dir':
        fs.mkdirSync(p, 0o700);
        this.kinds.set(rel, 'dir');
        this.dirs.set(rel, e);
        break;
      case 'symlink':
        if (e.linkname.includes('\0')) throw unsafeEntry(e.name, 'link target contains NUL');
        fs.symlinkSync(e.linkname, p);
        if (isRoot && (e.uid !== 0 || e.gid !== 0)) fs.lchownSync(p, e.uid, e.gid);
        fs.lutimesSync(p, e.mtime, e.mtime);
        this.kinds.set(rel, 'symlink');
        this.links.set(rel, e.linkname);
        break;
      case 'link':
        this.hardlink(e, rel);
        break;
      default:
        this.nodes.set(rel, { path: p, type: e.type === 'fifo' ? 'p' : e.type === 'char' ? 'c' : 'b', major: e.devmajor, minor: e.devminor, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime });
        this.kinds.set(rel, 'node');
    }
    this.setXattrs(rel, e);
  }

  private setXattrs(rel: string, e: TarEntry): void {
    if (e.xattrs.size === 0) return;
    const m = this.xattrs.get(rel) ?? new Map<string, Buffer>();
    for (const [k, v] of e.xattrs) if (!k.startsWith('trusted.overlay.')) m.set(k, v);
    this.xattrs.set(rel, m);
  }

  private hardlink(e: TarEntry, rel: string): void {
    const tcomps = entryComponents(e.linkname, `${e.name} -> ${e.linkname}`);
    if (tcomps.length === 0) throw unsafeEntry(e.name, 'hard link to the root');
    const tdir = this.dirOf(tcomps.slice(0, -1), e.name, false);
    const trel = [...tdir, tcomps[tcomps.length - 1]].join('/');
    const k = this.kinds.get(trel);
    if (k === undefined) throw unsafeEntry(e.name, `hard link target ${e.linkname} is not in the layer`);
    if (k === 'dir') throw unsafeEntry(e.name, `hard link to a directory ${e.linkname}`);
    this.kinds.set(rel, k);
    if (k === 'node') this.nodeLinks.push({ from: this.abs(trel), to: this.abs(rel) });
    else fs.linkSync(this.abs(trel), this.abs(rel));
    if (k === 'symlink') this.links.set(rel, this.links.get(trel)!);
  }

  private whiteout(e: TarEntry, prel: string, base: string): void {
    if (base === OPAQUE) {
      this.opaque.add(prel);
      const m = this.xattrs.get(prel) ?? new Map<string, Buffer>();
      m.set('trusted.overlay.opaque', Buffer.from('y'));
      this.xattrs.set(prel, m);
      return;
    }
    if (base.startsWith(`${WH}${WH}`)) return; // aufs metadata (.wh..wh.plnk etc.): ignored
    const name = base.slice(WH.length);
    if (name === '' || name === '.' || name === '..') throw unsafeEntry(e.name, 'bad whiteout name');
    const rel = prel ? `${prel}/${name}` : name;
    this.remove(rel);
    this.nodes.set(rel, { path: this.abs(rel), type: 'c', major: 0, minor: 0, mode: 0, uid: 0, gid: 0, mtime: e.mtime });
    this.kinds.set(rel, 'node');
    this.whiteouts++;
  }

  data(chunk: Buffer): void {
    const t0 = this.prof ? now() : 0;
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd!, chunk, off, chunk.length - off);
    this.prof?.add('write', t0);
  }

  entryEnd(): void {
    if (this.fd === undefined) return;
    const e = this.cur!;
    const fd = this.fd;
    this.fd = undefined;
    const t0 = this.prof ? now() : 0;
    try {
      if (isRoot && (e.uid !== 0 || e.gid !== 0)) fs.fchownSync(fd, e.uid, e.gid);
      // opened with mode & 0o777 & ~umask: fchmod when that is not the mode (umask bits, set-id, sticky)
      if (this.umask === undefined || (e.mode & ~this.umask & 0o777) !== e.mode) fs.fchmodSync(fd, e.mode);
      fs.futimesSync(fd, e.mtime, e.mtime);
    } finally {
      fs.closeSync(fd);
      this.prof?.add('meta', t0);
    }
  }

  /** Close any open file (after an error). */
  abort(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  /** Create deferred nodes, set xattrs, then directory metadata (children change dir mtimes). */
  finish(): ApplyResult {
    if (this.fd !== undefined) throw invalidArgument('tar: archive ended inside a file');
    if ((this.nodes.size > 0 || this.opaque.size > 0) && !isRoot) {
      throw failedPrecondition('layer has device nodes or whiteouts; applying it needs root');
    }
    let t0 = this.prof ? now() : 0;
    mknodBatch([...this.nodes.values()]);
    for (const l of this.nodeLinks) fs.linkSync(l.from, l.to);
    const xs: XattrSet[] = [...this.xattrs].map(([rel, attrs]) => ({ path: this.abs(rel), attrs }));
    setXattrs(xs);
    if (this.prof) t0 = this.prof.add('xattrs', t0);
    const dirs = [...this.dirs].sort(([a], [b]) => b.length - a.length);
    for (const [rel, e] of dirs) {
      const p = this.abs(rel);
      if (isRoot) fs.chownSync(p, e.uid, e.gid);
      fs.chmodSync(p, e.mode);
      fs.utimesSync(p, e.mtime, e.mtime);
    }
    for (const [rel, k] of this.kinds) if (k === 'dir' && !this.dirs.has(rel) && rel !== '') fs.chmodSync(this.abs(rel), 0o755);
    if (!this.dirs.has('')) fs.chmodSync(this.root, 0o755);
    this.prof?.add('meta', t0);
    return { size: this.size, opaque: [...this.opaque], whiteouts: this.whiteouts };
  }
}


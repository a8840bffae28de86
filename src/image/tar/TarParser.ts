import { invalidArgument } from '../../errors.js';
import type { TarEntry, TarType } from './TarEntry.js';

/** Receives a parsed tar stream. Handlers are synchronous so the caller controls pacing. */
export interface TarHandler {
  entry(e: TarEntry): void;
  /** A slice of the current entry's data (only for regular files). Valid only during the call. */
  data(chunk: Buffer): void;
  /** The current entry's data is complete. */
  entryEnd(): void;
}

const BLOCK = 512;

const TYPES: Record<string, TarType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

function readString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

function readNumber(b: Buffer, off: number, len: number, field: string): number {
  if (b[off] & 0x80) {
    // GNU base-256: the bits after the 0x80 marker are a big-endian two's complement number
    // (negative for times before 1970, as GNU tar and Go write them).
    let v = BigInt(b[off] & 0x7f) - (b[off] & 0x40 ? 0x80n : 0n);
    for (let i = off + 1; i < off + len; i++) v = v * 256n + BigInt(b[i]);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER) || (v < 0n && field !== 'mtime')) {
      throw invalidArgument(`tar: ${field} out of range`);
    }
    return Number(v);
  }
  const s = b.toString('latin1', off, off + len).replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw invalidArgument(`tar: bad ${field} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

/** True when `b` (512 bytes) is a tar header with a valid checksum. */
export function isTarHeader(b: Buffer): boolean {
  try {
    return b.length >= BLOCK && checksumOk(b.subarray(0, BLOCK));
  } catch {
    return false;
  }
}

function checksumOk(b: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : b[i];
  return readNumber(b, 148, 8, 'checksum') === sum;
}

/** Parse PAX records (`len key=value\n`) keeping values as raw bytes. */
export function parsePax(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < buf.length && buf[i] !== 0) {
    const sp = buf.indexOf(0x20, i);
    if (sp < 0) throw invalidArgument('tar: malformed PAX record');
    const len = parseInt(buf.toString('latin1', i, sp), 10);
    if (!Number.isSafeInteger(len) || len <= sp - i || i + len > buf.length) throw invalidArgument('tar: malformed PAX record length');
    const rec = buf.subarray(sp + 1, i + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw invalidArgument('tar: malformed PAX record');
    out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    i += len;
  }
  return out;
}

/** GNU sparse files (type S, PAX GNU.sparse.* 0.0/0.1/1.0) are refused, naming the entry. */
function sparse(name: string) {
  return invalidArgument(`tar: ${JSON.stringify(name)} is a sparse file (GNU.sparse / tar --sparse), which berth does not read; write the archive without --sparse`);
}

type State = 'header' | 'data' | 'meta' | 'pad' | 'end';

/**
 * A push parser for ustar/PAX/GNU tar. Feed it chunks with `write`; it calls the handler
 * synchronously. Refuses sparse files and anything that is not a tar (bad checksum).
 */
export class TarParser {
  private state: State = 'header';
  private hdr = Buffer.alloc(BLOCK);
  private hdrFill = 0;
  private remaining = 0;
  private padding = 0;
  /** How many of the last `padding` bytes are zero fill after an entry's data (not data skipped). */
  private fill = 0;
  private meta: Buffer[] = [];
  private metaKind = '';
  private pax = new Map<string, Buffer>();
  private globalPax = new Map<string, Buffer>();
  private longName?: string;
  private longLink?: string;
  private zeroBlocks = 0;
  private entries = 0;

  constructor(private readonly h: TarHandler) {}

  get done(): boolean {
    return this.state === 'end';
  }

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && this.state !== 'end') {
      if (this.state === 'header') {
        const n = Math.min(BLOCK - this.hdrFill, chunk.length - off);
        if (this.hdrFill === 0 && n === BLOCK) {
          this.onHeader(chunk.subarray(off, off + BLOCK));
        } else {
          chunk.copy(this.hdr, this.hdrFill, off, off + n);
          this.hdrFill += n;
          if (this.hdrFill === BLOCK) {
            this.hdrFill = 0;
            this.onHeader(this.hdr);
          }
        }
        off += n;
      } else if (this.state === 'data' || this.state === 'meta') {
        const n = Math.min(this.remaining, chunk.length - off);
        const piece = chunk.subarray(off, off + n);
        if (this.state === 'data') this.h.data(piece);
        else this.meta.push(Buffer.from(piece));
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) this.finishBody();
      } else if (this.state === 'pad') {
        const n = Math.min(this.padding, chunk.length - off);
        this.padding -= n;
        off += n;
        if (this.padding === 0) this.state = 'header';
      }
    }
  }

  /** Call at end of input: throws if the archive was cut short. */
  end(): void {
    if (this.state === 'end') return;
    const pending = this.pax.size > 0 || this.longName !== undefined || this.longLink !== undefined;
    if (this.state === 'header' && this.hdrFill === 0 && !pending && (this.zeroBlocks > 0 || this.entries > 0)) return;
    // The last entry's data is whole and only its block fill is missing: Go's archive/tar reads
    // this as the end too, and umoci 0.4 `insert` writes layers that end so.
    if (this.state === 'pad' && this.padding <= this.fill && this.fill > 0) return;
    if (this.entries === 0 && this.state === 'header' && this.hdrFill === 0) throw invalidArgument('not a tar archive: empty input');
    throw invalidArgument('tar: unexpected end of archive (truncated)');
  }

  private onHeader(b: Buffer): void {
    if (b.every((x) => x === 0)) {
      if (++this.zeroBlocks >= 2) this.state = 'end';
      return;
    }
    this.zeroBlocks = 0;
    let ok = false;
    try {
      ok = checksumOk(b);
    } catch {
      ok = false;
    }
    if (!ok) throw invalidArgument(this.entries === 0 ? 'not a tar archive (bad header checksum)' : 'tar: corrupt header (bad checksum)');
    this.entries++;
    const flag = String.fromCharCode(b[156]);
    const size = readNumber(b, 124, 12, 'size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 16 << 20) throw invalidArgument('tar: metadata record too large');
      this.metaKind = flag;
      this.meta = [];
      return this.startBody(size, 'meta');
    }
    if (flag === 'S') throw sparse(this.pax.get('path')?.toString('utf8') ?? this.longName ?? readString(b, 0, 100));
    const type = TYPES[flag];
    if (!type) {
      // Unknown types (e.g. 'V' volume labels): skip their data.
      return this.skip(size);
    }
    const magic = b.toString('latin1', 257, 263);
    let name = readString(b, 0, 100);
    if (magic.startsWith('ustar')) {
      const prefix = readString(b, 345, magic === 'ustar\0' ? 155 : 131);
      if (prefix && magic === 'ustar\0') name = `${prefix}/${name}`;
    }
    const e: TarEntry = {
      name,
      type,
      mode: readNumber(b, 100, 8, 'mode') & 0o7777,
      uid: readNumber(b, 108, 8, 'uid'),
      gid: readNumber(b, 116, 8, 'gid'),
      size: type === 'file' ? size : 0,
      mtime: readNumber(b, 136, 12, 'mtime'),
      linkname: readString(b, 157, 100),
      uname: readString(b, 265, 32) || undefined,
      gname: readString(b, 297, 32) || undefined,
      devmajor: type === 'char' || type === 'block' ? readNumber(b, 329, 8, 'devmajor') : 0,
      devminor: type === 'char' || type === 'block' ? readNumber(b, 337, 8, 'devminor') : 0,
      xattrs: new Map(),
    };
    if (this.longName !== undefined) e.name = this.longName;
    if (this.longLink !== undefined) e.linkname = this.longLink;
    this.applyPax(e, this.globalPax);
    this.applyPax(e, this.pax);
    if ([...this.pax.keys(), ...this.globalPax.keys()].some((k) => k.startsWith('GNU.sparse.'))) {
      throw sparse(this.pax.get('GNU.sparse.name')?.toString('utf8') ?? e.name);
    }
    this.pax = new Map();
    this.longName = this.longLink = undefined;
    if (e.name.length === 0) throw invalidArgument('tar: entry with an empty name');
    this.h.entry(e);
    if (type === 'file') return this.startBody(e.size, 'data');
    // Hard links, dirs etc. may carry a size but have no data we use; skip it.
    this.h.entryEnd();
    this.skip(size);
  }

  private skip(size: number): void {
    this.fill = (BLOCK - (size % BLOCK)) % BLOCK;
    this.padding = size + this.fill;
    this.state = this.padding > 0 ? 'pad' : 'header';
  }

  private startBody(size: number, kind: 'data' | 'meta'): void {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    this.remaining = size;
    this.padding = pad;
    // After a PAX/long-name record an entry must follow: cut there, the archive is truncated.
    this.fill = kind === 'data' ? pad : 0;
    this.state = kind;
    if (size === 0) this.finishBody();
  }

  private finishBody(): void {
    if (this.state === 'data') this.h.entryEnd();
    else if (this.state === 'meta') this.onMeta(Buffer.concat(this.meta));
    this.state = this.padding > 0 ? 'pad' : 'header';
  }

  private onMeta(buf: Buffer): void {
    if (this.metaKind === 'x') this.pax = parsePax(buf);
    else if (this.metaKind === 'g') for (const [k, v] of parsePax(buf)) this.globalPax.set(k, v);
    else {
      const s = buf.toString('utf8').replace(/\0+$/, '');
      if (this.metaKind === 'L') this.longName = s;
      else this.longLink = s;
    }
  }

  private applyPax(e: TarEntry, pax: Map<string, Buffer>): void {
    for (const [k, v] of pax) {
      const s = () => v.toString('utf8');
      const n = (f: string) => {
        const x = Number(s());
        // Only a time may be before 1970 (PAX writes `mtime=-1000000000`).
        if (!Number.isFinite(x) || (x < 0 && f !== 'mtime')) throw invalidArgument(`tar: bad PAX ${f} ${JSON.stringify(s())}`);
        return x;
      };
      if (k === 'path') e.name = s();
      else if (k === 'linkpath') e.linkname = s();
      else if (k === 'size') { if (e.type === 'file') e.size = n('size'); }
      else if (k === 'uid') e.uid = n('uid');
      else if (k === 'gid') e.gid = n('gid');
      else if (k === 'mtime') e.mtime = n('mtime');
      else if (k === 'uname') e.uname = s();
      else if (k === 'gname') e.gname = s();
      else if (k.startsWith('SCHILY.xattr.')) e.xattrs.set(k.slice('SCHILY.xattr.'.length), v);
    }
  }
}

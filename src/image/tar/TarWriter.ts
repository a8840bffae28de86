import type { Writable } from 'node:stream';
import { internal } from '../../errors.js';
import type { TarEntry, TarType } from './TarEntry.js';

const BLOCK = 512;
const FLAGS: Record<TarType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

function octal(b: Buffer, off: number, len: number, v: number): boolean {
  const s = Math.floor(v).toString(8);
  if (s.length > len - 1) return false;
  b.write(s.padStart(len - 1, '0') + '\0', off, len, 'latin1');
  return true;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function ustar(name: string, e: Pick<TarEntry, 'mode' | 'uid' | 'gid' | 'mtime' | 'linkname' | 'uname' | 'gname' | 'devmajor' | 'devminor'>, flag: string, size: number): { block: Buffer; overflow: Set<string> } {
  const b = Buffer.alloc(BLOCK);
  const overflow = new Set<string>();
  const nameBuf = Buffer.from(name);
  if (nameBuf.length > 100) overflow.add('path');
  nameBuf.copy(b, 0, 0, Math.min(100, nameBuf.length));
  octal(b, 100, 8, e.mode & 0o7777);
  if (!octal(b, 108, 8, e.uid)) overflow.add('uid');
  if (!octal(b, 116, 8, e.gid)) overflow.add('gid');
  if (!octal(b, 124, 12, size)) overflow.add('size');
  if (!octal(b, 136, 12, Math.max(0, e.mtime))) overflow.add('mtime');
  b.write(flag, 156, 1, 'latin1');
  const link = Buffer.from(e.linkname);
  if (link.length > 100) overflow.add('linkpath');
  link.copy(b, 157, 0, Math.min(100, link.length));
  b.write('ustar\x0000', 257, 8, 'latin1');
  const un = Buffer.from(e.uname ?? '');
  const gn = Buffer.from(e.gname ?? '');
  un.copy(b, 265, 0, Math.min(31, un.length));
  gn.copy(b, 297, 0, Math.min(31, gn.length));
  octal(b, 329, 8, e.devmajor);
  octal(b, 337, 8, e.devminor);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i];
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return { block: b, overflow };
}

export function padFor(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header block(s) for an entry: a PAX header first when a field overflows ustar or xattrs exist. */
export function encodeHeader(e: TarEntry): Buffer {
  const size = e.type === 'file' ? e.size : 0;
  const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
  const { block, overflow } = ustar(name, e, FLAGS[e.type], size);
  const nonAscii = /[^\x20-\x7e]/.test(name) || /[^\x20-\x7e]/.test(e.linkname);
  if (overflow.size === 0 && e.xattrs.size === 0 && !nonAscii && Number.isInteger(e.mtime)) return block;
  const recs: Buffer[] = [];
  if (overflow.has('path') || nonAscii) recs.push(paxRecord('path', Buffer.from(name)));
  if (overflow.has('linkpath') || nonAscii) recs.push(paxRecord('linkpath', Buffer.from(e.linkname)));
  if (overflow.has('uid')) recs.push(paxRecord('uid', Buffer.from(String(e.uid))));
  if (overflow.has('gid')) recs.push(paxRecord('gid', Buffer.from(String(e.gid))));
  if (overflow.has('size')) recs.push(paxRecord('size', Buffer.from(String(size))));
  if (overflow.has('mtime') || !Number.isInteger(e.mtime)) recs.push(paxRecord('mtime', Buffer.from(String(e.mtime))));
  for (const [k, v] of [...e.xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) recs.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const pax = Buffer.concat(recs);
  const paxName = `PaxHeaders.0/${name.replace(/\/$/, '').split('/').pop()!.slice(0, 80)}`;
  const ph = ustar(paxName, { mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: '', devmajor: 0, devminor: 0 }, 'x', pax.length).block;
  return Buffer.concat([ph, pax, padFor(pax.length), block]);
}

/** Two zero blocks. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** Writes a tar stream to a Writable, honouring backpressure. */
export class TarWriter {
  bytes = 0;
  constructor(private readonly out: Writable) {}

  private async put(b: Buffer): Promise<void> {
    this.bytes += b.length;
    if (!this.out.write(b)) await new Promise<void>((res, rej) => {
      const onErr = (e: Error) => { this.out.off('drain', onDrain); rej(e); };
      const onDrain = () => { this.out.off('error', onErr); res(); };
      this.out.once('drain', onDrain);
      this.out.once('error', onErr);
    });
  }

  /** Add an entry; `body` supplies exactly `e.size` bytes for regular files. */
  async add(e: TarEntry, body?: Buffer | AsyncIterable<Buffer>): Promise<void> {
    await this.put(encodeHeader(e));
    if (e.type !== 'file') return;
    let n = 0;
    if (body instanceof Buffer) {
      n = body.length;
      if (n) await this.put(body);
    } else if (body) {
      for await (const c of body as AsyncIterable<Buffer>) {
        n += c.length;
        await this.put(c);
      }
    }
    if (n !== e.size) throw internal(`tar: ${e.name}: wrote ${n} bytes, header says ${e.size}`);
    const pad = padFor(n);
    if (pad.length) await this.put(pad);
  }

  async finish(): Promise<void> {
    await this.put(END_OF_ARCHIVE);
    await new Promise<void>((res, rej) => {
      this.out.once('error', rej);
      this.out.end(() => res());
    });
  }
}

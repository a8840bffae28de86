/** Entry types berth understands in a layer or archive. */
export type TarType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One tar entry's metadata, after PAX / GNU long-name records are folded in. */
export interface TarEntry {
  /** Path as written in the archive (not normalized). */
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (may carry a fraction from PAX). */
  mtime: number;
  linkname: string;
  uname?: string;
  gname?: string;
  devmajor: number;
  devminor: number;
  /** From PAX `SCHILY.xattr.*`; values are raw bytes. */
  xattrs: Map<string, Buffer>;
}

export function newEntry(e: Partial<TarEntry> & { name: string; type: TarType }): TarEntry {
  return {
    mode: e.type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
    ...e,
  };
}

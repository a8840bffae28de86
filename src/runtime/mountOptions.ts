/** Mount options as in fstab/OCI `mounts[].options` -> mount(2) flags and data. */

export const MS = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, SYNCHRONOUS: 0x10, REMOUNT: 0x20, MANDLOCK: 0x40,
  DIRSYNC: 0x80, NOSYMFOLLOW: 0x100, NOATIME: 0x400, NODIRATIME: 0x800, BIND: 0x1000, MOVE: 0x2000,
  REC: 0x4000, SILENT: 0x8000, UNBINDABLE: 0x20000, PRIVATE: 0x40000, SLAVE: 0x80000, SHARED: 0x100000,
  RELATIME: 0x200000, STRICTATIME: 0x1000000, LAZYTIME: 0x2000000,
} as const;

const SET: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS, remount: MS.REMOUNT,
  mand: MS.MANDLOCK, dirsync: MS.DIRSYNC, nosymfollow: MS.NOSYMFOLLOW, noatime: MS.NOATIME, nodiratime: MS.NODIRATIME,
  bind: MS.BIND, rbind: MS.BIND | MS.REC, relatime: MS.RELATIME, strictatime: MS.STRICTATIME, lazytime: MS.LAZYTIME,
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};
/** Options that only clear a flag (the default already has it clear). */
const CLEAR = new Set(['rw', 'suid', 'dev', 'exec', 'async', 'atime', 'diratime', 'norelatime', 'nostrictatime', 'nomand', 'defaults', 'symfollow']);

export interface ParsedMount { flags: number; data: string }

export function parseMountOptions(options: readonly string[] = []): ParsedMount {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    if (o in SET) flags |= SET[o];
    else if (o === 'rw') flags &= ~MS.RDONLY;
    else if (CLEAR.has(o)) continue;
    else data.push(o);
  }
  return { flags, data: data.join(',') };
}

export function propagationFlags(name = 'rslave'): number {
  const f = SET[name];
  if (f === undefined || !(f & (MS.PRIVATE | MS.SLAVE | MS.SHARED | MS.UNBINDABLE))) return MS.SLAVE | MS.REC;
  return f | MS.REC;
}

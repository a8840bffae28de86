import fs from 'node:fs';
import path from 'node:path';

export interface HostDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** Directories of /dev that are per-container mounts or runtime state, not devices (runc's list). */
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Linux's dev_t split (glibc's gnu_dev_major/minor). */
export function splitRdev(rdev: number | bigint): { major: number; minor: number } {
  const r = BigInt(rdev);
  return {
    major: Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)),
    minor: Number((r & 0xffn) | ((r >> 12n) & ~0xffn)),
  };
}

/**
 * Every character and block device node under the host's /dev, as `--privileged` gives them
 * (runc's HostDevices): symlinks are not followed, /dev/console is the container's own.
 * A node that vanishes while the walk runs is left out.
 */
export function listHostDevices(dir = '/dev'): HostDevice[] {
  const out: HostDevice[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name) || d !== dir) walk(p);
      } else if ((st.isCharacterDevice() || st.isBlockDevice()) && p !== path.join(dir, 'console')) {
        out.push({ path: p, type: st.isCharacterDevice() ? 'c' : 'b', ...splitRdev(st.rdev), fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid });
      }
    }
  };
  walk(dir);
  return out;
}

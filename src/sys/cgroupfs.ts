import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, failedPrecondition, internal, invalidArgument, notFound } from '../errors.js';

/**
 * The effects the cgroup backends need, in one place. The host implementation
 * works on cgroupfs; unit tests run the same backends against a fixture directory
 * tree (see `fixtureCgroupFs`).
 */
export interface CgroupFs {
  /** mkdir; returns true when this call created it. */
  mkdir(dir: string): boolean;
  /** Write a control file; errors name the file and the errno. */
  write(file: string, value: string): void;
  /** A control file's text, or undefined when it does not exist. */
  read(file: string): string | undefined;
  exists(p: string): boolean;
  /** Sub-directories (child cgroups). */
  children(dir: string): string[];
  /** Remove one (empty) cgroup directory; false when it was already gone. */
  rmdir(dir: string): boolean;
  /** Send a signal to a pid; false when the process is gone. */
  kill(pid: number, signal: NodeJS.Signals): boolean;
}

function fail(op: string, p: string, e: unknown): never {
  const code = errnoCode(e);
  const msg = `cgroup ${op} \`${p}\`: ${code ?? (e as Error).message}`;
  if (code === 'ENOENT' || code === 'ESRCH') throw notFound(msg, { cause: e, code: code === 'ESRCH' ? 'cgroup.nopid' : 'cgroup.missing' });
  if (code === 'EINVAL' || code === 'ERANGE') throw invalidArgument(msg, { cause: e, code: 'cgroup.value' });
  if (code === 'EBUSY' || code === 'EPERM' || code === 'EACCES' || code === 'ENOSPC' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') {
    throw failedPrecondition(msg, { cause: e, code: `cgroup.${code.toLowerCase()}` });
  }
  throw internal(msg, { cause: e });
}

export const hostCgroupFs: CgroupFs = {
  mkdir(dir) {
    try {
      fs.mkdirSync(dir);
      return true;
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') return false;
      fail('mkdir', dir, e);
    }
  },
  write(file, value) {
    let fd: number | undefined;
    try {
      // No O_CREAT: a missing control file means a missing controller, not a new file.
      fd = fs.openSync(file, fs.constants.O_WRONLY);
      fs.writeSync(fd, value);
    } catch (e) {
      fail(`write ${JSON.stringify(value)} to`, file, e);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
  read(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      fail('read', file, e);
    }
  },
  exists(p) {
    return fs.existsSync(p);
  },
  children(dir) {
    try {
      return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      fail('list', dir, e);
    }
  },
  rmdir(dir) {
    try {
      fs.rmdirSync(dir);
      return true;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      fail('rmdir', dir, e);
    }
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
      return true;
    } catch (e) {
      if (errnoCode(e) === 'ESRCH') return false;
      fail(`kill ${signal}`, String(pid), e);
    }
  },
};

/**
 * The same operations on a plain directory tree, for unit tests. It plays the
 * kernel's part where the backends depend on it: mkdir creates the parent's
 * control files (empty), rmdir removes them, cgroup.freeze is reflected in
 * cgroup.events, and kill calls `onKill` (default: records) instead of signalling.
 */
export function fixtureCgroupFs(onKill: (pid: number, signal: string) => void = () => {}): CgroupFs {
  return {
    ...hostCgroupFs,
    mkdir(dir) {
      const created = hostCgroupFs.mkdir(dir);
      if (created) {
        for (const e of fs.readdirSync(path.dirname(dir), { withFileTypes: true })) {
          if (e.isFile() && !e.name.startsWith('cgroup.subtree')) fs.writeFileSync(path.join(dir, e.name), '');
        }
        const parentSubtree = path.join(path.dirname(dir), 'cgroup.subtree_control');
        if (fs.existsSync(parentSubtree)) {
          fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), '');
          fs.writeFileSync(path.join(dir, 'cgroup.controllers'), fs.readFileSync(parentSubtree));
        }
      }
      return created;
    },
    write(file, value) {
      if (!fs.existsSync(path.dirname(file))) fail(`write ${JSON.stringify(value)} to`, file, Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
      if (path.basename(file) === 'cgroup.subtree_control') {
        const cur = new Set(fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean));
        for (const t of value.split(/\s+/)) t.startsWith('+') ? cur.add(t.slice(1)) : cur.delete(t.slice(1));
        fs.writeFileSync(file, [...cur].join(' '));
        return;
      }
      fs.writeFileSync(file, value);
      if (path.basename(file) === 'cgroup.freeze') fs.writeFileSync(path.join(path.dirname(file), 'cgroup.events'), `populated 1\nfrozen ${value.trim()}\n`);
    },
    rmdir(dir) {
      if (!fs.existsSync(dir)) return false;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) fs.rmSync(path.join(dir, e.name));
      }
      return hostCgroupFs.rmdir(dir);
    },
    kill(pid, signal) {
      onKill(pid, signal);
      return true;
    },
  };
}

/** Read a /proc file (mountinfo, /proc/<pid>/cgroup); undefined when missing. */
export function readProcFile(file: string): string | undefined {
  return hostCgroupFs.read(file);
}

/** Block the thread for `ms` (bounded waits while the kernel finishes a freeze or a kill). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

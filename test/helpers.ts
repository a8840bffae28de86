import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tests talk to registries on loopback only: a test naming an image berth lacks must not
// reach out to Docker Hub when run/create pull it (src/registry/http.ts).
process.env.BERTH_REGISTRY_LOOPBACK_ONLY = '1';

export const isRoot = process.getuid?.() === 0;
/** Pass as the options of test()/describe(): skips clearly without root. */
export const requiresRoot = isRoot ? {} : { skip: 'needs root (run the tests as root for the real-kernel checks)' };

export const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const berthBin = path.join(projectDir, 'bin', 'berth.js');
export const fixturesDir = path.join(projectDir, 'test', 'fixtures');

export function tmpDir(prefix = 'berth-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const BUSYBOX = '/bin/busybox';

/**
 * A minimal rootfs from Debian's busybox-static: /bin/busybox plus a symlink per
 * applet, and the usual empty directories. Cached per process.
 */
export function busyboxRootfs(dest: string): string {
  if (!fs.existsSync(BUSYBOX)) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
  for (const d of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'home', 'var', 'usr/bin', 'usr/sbin']) {
    fs.mkdirSync(path.join(dest, d), { recursive: true });
  }
  fs.chmodSync(path.join(dest, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(dest, 'bin', 'busybox'));
  fs.chmodSync(path.join(dest, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    const link = path.join(dest, 'bin', a);
    if (a !== 'busybox' && !fs.existsSync(link)) fs.symlinkSync('busybox', link);
  }
  fs.writeFileSync(path.join(dest, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(dest, 'etc', 'group'), 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n');
  return dest;
}

/** Poll `f` until it returns something truthy (bounded); for waiting on processes, not for timing. */
export async function until<T>(f: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every path below `dir` with its type or size (and mtime, with `times`): what "untouched" means. */
export function treeSnapshot(dir: string, times = false): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of fs.readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = fs.lstatSync(p);
      out.push(`${path.relative(dir, p)}:${st.isDirectory() ? 'd' : st.size}${times ? ` ${st.mtimeMs}` : ''}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A block device to throttle: a disk if there is one, else loop0. */
export function blockDevice(): { path: string; num: string } {
  const names = fs.readdirSync('/sys/block').sort((a, b) => Number(/^(loop|zram|ram)/.test(a)) - Number(/^(loop|zram|ram)/.test(b)));
  for (const n of names) {
    const p = `/dev/${n}`;
    try {
      if (fs.statSync(p).isBlockDevice()) return { path: p, num: fs.readFileSync(`/sys/block/${n}/dev`, 'utf8').trim() };
    } catch { /* no node */ }
  }
  throw new Error('no block device node under /dev');
}

/** Read until EOF (or `want` bytes), retrying refused/reset connections (the server may still be starting). */
export async function fetchTcp(host: string, port: number, send = 'GET / HTTP/1.0\r\n\r\n'): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const s = net.connect(port, host);
        let out = '';
        s.setTimeout(10_000, () => s.destroy(new Error('timeout')));
        s.on('connect', () => s.write(send));
        s.on('data', (d) => (out += d));
        s.on('end', () => (out ? resolve(out) : reject(new Error('empty'))));
        s.on('error', reject);
      });
    } catch (e) {
      if (i > 200) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * A handle on the network namespace berth's CLI runs in that outlives the CLI:
 * `/run/berth/netns/host-<inode>`, this namespace bind-mounted onto a file once per boot
 * (as `ip netns` does). The monitor of a bridged container lives in the container's
 * namespace (it joins it before clone), so the command it starts when the container ends
 * (`on_exit`) enters this one first with nsenter, to release port rules on the host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export const HOST_NETNS_DIR = '/run/berth/netns';
const NSENTER = ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter', '/sbin/nsenter'];
const MOUNT = ['/usr/bin/mount', '/bin/mount'];

function netnsInode(): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(fs.readlinkSync('/proc/self/ns/net'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Is `file` a bind mount of the namespace with inode `ino`? */
function holds(file: string, ino: number): boolean {
  try {
    return fs.statSync(file).ino === ino && fs.statSync(file).dev !== fs.statSync(path.dirname(file)).dev;
  } catch {
    return false;
  }
}

/** The persistent handle on this process's network namespace (made on first use); undefined when it cannot be made. */
export function hostNetnsFile(): string | undefined {
  const ino = netnsInode();
  if (ino === undefined) return undefined;
  const file = path.join(HOST_NETNS_DIR, `host-${ino}`);
  if (holds(file, ino)) return file;
  const mount = MOUNT.find((p) => fs.existsSync(p));
  if (!mount) return undefined;
  try {
    fs.mkdirSync(HOST_NETNS_DIR, { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(file, 'a', 0o444));
  } catch {
    return undefined;
  }
  spawnSync(mount, ['--bind', `/proc/${process.pid}/ns/net`, file], { stdio: 'ignore' });
  return holds(file, ino) ? file : undefined;
}

/** `nsenter --net=FILE --`, the prefix that runs a command in this network namespace; [] when there is no way. */
export function inHostNetns(): string[] {
  const nsenter = NSENTER.find((p) => fs.existsSync(p));
  const file = nsenter ? hostNetnsFile() : undefined;
  return nsenter && file ? [nsenter, `--net=${file}`, '--'] : [];
}

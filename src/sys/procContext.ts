import fs from 'node:fs';
import os from 'node:os';
import type net from 'node:net';
import { spawn } from 'node:child_process';
import { helperPath } from './paths.js';

/**
 * What a process passes on to the programs it starts and a warm berth cannot take on: nice,
 * namespaces, root directory, ids, capabilities, no_new_privs, seccomp, rlimits. The accelerator
 * (src/cli/accelerator/worker.ts) compares its own with its caller's, as the kernel reports them.
 */

const NAMESPACES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'];
const STATUS_LINE = /^(Uid|Gid|Groups|Cap\w+|NoNewPrivs|Seccomp|Seccomp_filters):/;

/** This process's context, in the form `berth-helper peer-context` prints a peer's (native/src/peer.c). */
export function ownContext(): string {
  const lines = [`nice ${os.getPriority()}`];
  for (const ns of NAMESPACES) {
    let link = '';
    try {
      link = fs.readlinkSync(`/proc/self/ns/${ns}`);
    } catch { /* absent */ }
    lines.push(`ns ${link}`);
  }
  lines.push(`root ${fs.readlinkSync('/proc/self/root')}`);
  const status = fs.readFileSync('/proc/self/status', 'utf8').split('\n').filter((l) => STATUS_LINE.test(l));
  return [...lines, ...status, fs.readFileSync('/proc/self/limits', 'utf8')].join('\n');
}

export interface PeerContext {
  pid: number;
  /** Same form as ownContext(). */
  context: string;
}

/**
 * The context of the process at the other end of a connected unix socket, read by the kernel's
 * account (SO_PEERPIDFD / SO_PEERCRED, then /proc/PID, checked for pid reuse: native/src/peer.c),
 * not the peer's own. One `berth-helper peer-context` run (~1.5 ms) with the socket as its fd 3;
 * start it as the connection arrives and it is done by the time the request is read.
 * Undefined when the helper cannot tell (the peer left, another pid namespace, no helper).
 */
export function peerContext(sock: net.Socket): Promise<PeerContext | undefined> {
  // Node has no getsockopt: the socket's descriptor is handed to the helper (an fd number in
  // stdio is shared as is; a Socket there would be paused for the child's sake).
  const fd = (sock as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let out = '';
    let c;
    try {
      c = spawn(helperPath, ['peer-context'], { stdio: ['ignore', 'pipe', 'ignore', fd] });
    } catch {
      return resolve(undefined);
    }
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', () => resolve(undefined));
    c.on('close', (code) => {
      const m = /^pid (\d+)\n/.exec(out);
      resolve(code === 0 && m ? { pid: Number(m[1]), context: out.slice(m[0].length) } : undefined);
    });
  });
}

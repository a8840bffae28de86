import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { Cgroup, detectCgroupLayout, type CgroupLayout } from '../../src/runtime/cgroups/index.js';

/** A fresh cgroup at berth/test-<random> on whatever layout the host has; destroyed after the test. */
export function testCgroup(t: TestContext): { cg: Cgroup; layout: CgroupLayout } {
  const layout = detectCgroupLayout();
  const cg = Cgroup.create(layout, `berth/test-${crypto.randomBytes(4).toString('hex')}`);
  t.after(() => cg.destroy({ pruneParents: true }));
  return { cg, layout };
}

export interface Held {
  child: ChildProcess;
  pid: number;
  /** Let the script run (it waits on its first stdin line until then). */
  release(): void;
  /** The process exited (its children may still hold stdout). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** It exited and its stdout/stderr are closed: all output is in. */
  finished: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/**
 * Start `/bin/busybox sh -c script` held before it runs anything, like the
 * helper holds a container's init on its sync pipe: the test moves the pid into
 * a cgroup, then releases it. Killed by pid after the test if still running.
 */
export function spawnHeld(t: TestContext, script: string, env: Record<string, string> = {}): Held {
  const child = spawn('/bin/busybox', ['sh', '-c', `read _ ; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/bin:/usr/bin:/sbin:/usr/sbin', ...env } });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const finished = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  if (child.pid === undefined) throw new Error('spawn failed');
  return { child, pid: child.pid, release: () => child.stdin?.write('\n'), exited, finished, stdout: () => out, stderr: () => err };
}

/** Wait for a condition the kernel will reach (bounded so a broken kernel fails the test instead of hanging it). */
export async function waitFor(what: string, cond: () => boolean, limitMs = 20000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The whole-disk major:minor holding `file` (blk-throttle takes disks, not partitions). */
export function diskOf(file: string): { major: number; minor: number } {
  const dev = fs.statSync(file).dev;
  let major = Math.floor(dev / 256) & 0xfff;
  let minor = (dev & 0xff) | (Math.floor(dev / 4096) & ~0xff);
  const sys = `/sys/dev/block/${major}:${minor}`;
  if (fs.existsSync(`${sys}/partition`)) {
    [major, minor] = fs.readFileSync(`${sys}/../dev`, 'utf8').trim().split(':').map(Number);
  }
  return { major, minor };
}

/** The process is gone (or a zombie waiting for a reaper: it holds nothing and is out of every cgroup). */
export function isGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * A node (in `dir`) for a block device the host can open: the root disk first,
 * else any other (sandboxed hosts may refuse the root disk to everyone).
 */
export function openableBlockDevice(dir: string): string | undefined {
  const root = diskOf('/');
  const candidates = [`${root.major}:${root.minor}`, ...fs.readdirSync('/sys/dev/block')];
  for (const [i, dev] of candidates.entries()) {
    const node = path.join(dir, `blk${i}`);
    const [major, minor] = dev.split(':');
    if (spawnSync('/bin/busybox', ['mknod', node, 'b', major, minor]).status !== 0) continue;
    if (spawnSync('/bin/busybox', ['dd', `if=${node}`, 'of=/dev/null', 'bs=512', 'count=1']).status === 0) return node;
  }
  return undefined;
}


/**
 * Persistent network namespaces, the way `ip netns add` makes them: a new netns bound
 * onto a file (nsfs bind mount), so it outlives every process in it. The engine gives a
 * bridged container one under `<root>/netns/<id>`; every (re)start of the init joins it.
 * Made and removed by the C helper (`berth-helper net netns-new|netns-rm FILE`, native/src/netlink.c):
 * one static binary doing unshare + bind mount, or umount2(MNT_DETACH) + unlink.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { errnoCode, internal, unavailable } from '../errors.js';
import { helperPath } from './paths.js';
import { runHelperNet } from './netExec.js';

function helperSync(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(helperPath, ['net', ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error) throw unavailable(`berth-helper: ${r.error.message}`, { cause: r.error, hint: 'build the helper: make -C native' });
  return { ok: r.status === 0, err: (r.stderr || '').trim().split('\n')[0] };
}

/** Is `file` a bound namespace (an nsfs mount) rather than a plain file? */
export function isBoundNetns(file: string): boolean {
  try {
    const st = fs.statSync(file);
    const dir = fs.statSync(path.dirname(file));
    // A bind-mounted nsfs file lives on another device than its directory.
    return st.dev !== dir.dev;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw e;
  }
}

/** Create (or keep) the persistent netns at `file`; returns the path. lo is left down. */
export function createNetns(file: string): string {
  if (isBoundNetns(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const r = helperSync(['netns-new', file]);
  if (!r.ok) throw internal(`create network namespace \`${file}\`: ${r.err || 'berth-helper net failed'}`);
  return file;
}

/** createNetns without blocking: the helper runs while the caller does other work. */
export async function createNetnsAsync(file: string): Promise<string> {
  if (isBoundNetns(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await runHelperNet(['netns-new', file]);
  } catch (e) {
    throw internal(`create network namespace \`${file}\`: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return file;
}

/** Unmount and delete a persistent netns file; missing is fine. */
export function removeNetns(file: string): void {
  if (!fs.existsSync(file)) return;
  const r = helperSync(['netns-rm', file]);
  if (!r.ok) throw internal(`remove network namespace \`${file}\`: ${r.err || 'berth-helper net failed'}`);
}

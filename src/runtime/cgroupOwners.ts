/**
 * Which state directory made each cgroup: `/run/berth/cgroups/<path, / as +>.json`, written
 * before the cgroup is made and removed after it goes. An empty cgroup tells nothing of its
 * owner, and a root can be deleted under its containers; with this `system check` tells a
 * cgroup of a deleted root (its state directory is gone) from one of a live root it must not
 * touch. Like the network registry (src/network/orphans.ts), host-wide: every root shares
 * the hierarchies. Best effort: a host where /run/berth cannot be written only loses the report.
 */
import fs from 'node:fs';
import path from 'node:path';

export const CGROUP_REGISTRY_DIR = '/run/berth/cgroups';

export interface CgroupOwner { relPath: string; stateDir: string }

function fileFor(relPath: string): string {
  return path.join(CGROUP_REGISTRY_DIR, `${relPath.replace(/\//g, '+')}.json`);
}

export function registerCgroup(relPath: string, stateDir: string): void {
  try {
    fs.mkdirSync(CGROUP_REGISTRY_DIR, { recursive: true, mode: 0o700 });
    fs.writeFileSync(fileFor(relPath), JSON.stringify({ relPath, stateDir: path.resolve(stateDir) }));
  } catch { /* the report loses this cgroup's owner; nothing else depends on it */ }
}

/** Only the owner's own entry goes (another root may have reused the path since). */
export function unregisterCgroup(relPath: string, stateDir: string): void {
  if (cgroupOwner(relPath)?.stateDir === path.resolve(stateDir)) fs.rmSync(fileFor(relPath), { force: true });
}

export function cgroupOwner(relPath: string): CgroupOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(fileFor(relPath), 'utf8')) as CgroupOwner;
  } catch {
    return undefined;
  }
}

/** Every registered cgroup. */
export function cgroupOwners(): CgroupOwner[] {
  let files: string[];
  try {
    files = fs.readdirSync(CGROUP_REGISTRY_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map((f) => cgroupOwner(f.slice(0, -5).replace(/\+/g, '/'))).filter((o): o is CgroupOwner => o !== undefined);
}

export function forgetCgroup(relPath: string): void {
  fs.rmSync(fileFor(relPath), { force: true });
}

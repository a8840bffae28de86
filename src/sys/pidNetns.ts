import fs from 'node:fs';

/** The network namespace of process `pid`, as a path setns(2) (the helper, `ip -n`) can open. */
export function pidNetns(pid: number): string {
  return `/proc/${pid}/ns/net`;
}

/** Whether process `pid` is there to have a network namespace. */
export function hasPidNetns(pid: number): boolean {
  return fs.existsSync(pidNetns(pid));
}

/** Namespace `kind` of process `pid` (`/proc/<pid>/ns/<kind>`), for joining it. */
export function pidNamespace(pid: number, kind: 'net' | 'pid' | 'ipc' | 'uts' | 'mnt' | 'cgroup' | 'user'): string {
  return `/proc/${pid}/ns/${kind}`;
}

/** Whether process `pid` still has namespaces to join (it lives, and is not a zombie's husk). */
export function hasPidNamespaces(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}/ns`);
}

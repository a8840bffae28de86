import fs from 'node:fs';

/** The network namespace of process `pid`, as a path setns(2) (the helper, `ip -n`) can open. */
export function pidNetns(pid: number): string {
  return `/proc/${pid}/ns/net`;
}

/** Whether process `pid` is there to have a network namespace. */
export function hasPidNetns(pid: number): boolean {
  return fs.existsSync(pidNetns(pid));
}

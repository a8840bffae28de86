import { spawn } from 'node:child_process';

/** Start `file args` in a session of its own, its output discarded and never waited for (a daemon). */
export function spawnDetached(file: string, args: readonly string[], o: { cwd: string; env: NodeJS.ProcessEnv }): void {
  spawn(file, args, { detached: true, stdio: 'ignore', cwd: o.cwd, env: o.env }).unref();
}

import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { errnoCode, unavailable } from '../errors.js';

/** Start and stop the per-network DNS server process (src/network/dns/server.ts). */

/**
 * Spawn `node script ...args` detached, its stderr appended to logFile; resolves its pid
 * once it printed "ready".
 */
export function spawnDnsServer(script: string, args: string[], logFile: string): Promise<number> {
  const log = fs.openSync(logFile, 'a', 0o600);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { detached: true, stdio: ['ignore', 'pipe', log] });
    child.on('error', (e) => reject(unavailable(`dns server: ${e.message}`, { cause: e })));
    child.on('exit', (code) => reject(unavailable(`dns server for ${args[1]} exited (${code}); see ${logFile}`)));
    child.stdout!.once('data', () => {
      child.removeAllListeners('exit');
      child.stdout!.destroy();
      child.unref();
      resolve(child.pid!);
    });
  }).finally(() => fs.closeSync(log));
}

/** Is pid our DNS server for this state file (guards against pid reuse)? */
export function isDnsServer(pid: number | undefined, stateFile: string): boolean {
  if (!pid) return false;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a.endsWith('dns/server.js')) && argv.includes(stateFile);
  } catch {
    return false;
  }
}

export function stopDnsServer(pid: number | undefined, stateFile: string): void {
  if (!pid || !isDnsServer(pid, stateFile)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    if (errnoCode(e) !== 'ESRCH') throw e;
  }
}

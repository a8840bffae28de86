import { spawn } from 'node:child_process';
import { BerthError } from '../errors.js';

export interface HookSpec { path: string; args?: string[]; env?: string[]; timeout?: number }

/** Run one OCI hook in the runtime's namespaces with the state JSON on stdin. */
export function runHook(phase: string, h: HookSpec, stateJson: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const argv = h.args?.length ? h.args : [h.path];
    const env = Object.fromEntries((h.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const child = spawn(h.path, argv.slice(1), { argv0: argv[0], env, stdio: ['pipe', 'ignore', 'inherit'] });
    let timer: NodeJS.Timeout | undefined;
    if (h.timeout) timer = setTimeout(() => child.kill('SIGKILL'), h.timeout * 1000);
    child.stdin.on('error', () => {});
    child.stdin.end(stateJson);
    child.on('error', (e) => reject(new BerthError('FailedPrecondition', `${phase} hook \`${h.path}\`: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new BerthError('FailedPrecondition', `${phase} hook \`${h.path}\` failed: ${signal ? `killed by ${signal}` : `exit status ${code}`}`));
    });
  });
}

import { spawnSync } from 'node:child_process';

export interface HelperRun {
  /** Exit status (null when it could not be run or was killed). */
  status: number | null;
  stdout: string;
  /** Why it could not be run at all (`ENOENT`: not on PATH). */
  spawnError?: string;
}

/**
 * Run `docker-credential-NAME ACTION` as the docker CLI does: the request on stdin (a server
 * URL for get/erase, a JSON object for store), the answer on stdout. The helper's stderr
 * goes nowhere (it may echo what it was given); stdin and stdout are never logged.
 */
export function runCredentialHelper(name: string, action: 'get' | 'store' | 'erase' | 'list', input: string): HelperRun {
  const r = spawnSync(`docker-credential-${name}`, [action], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'], timeout: 60_000, maxBuffer: 1 << 20 });
  const spawnError = r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : undefined;
  return { status: r.status, stdout: r.stdout ?? '', spawnError };
}

/** `top CONTAINER PS-OPTIONS`: the host's ps, as Docker runs it. */
import { spawnSync } from 'node:child_process';
import { BerthError } from '../errors.js';

/** `ps ARGS -q PIDS` (procps selects exactly those); without -q support, `ps ARGS` alone. Returns stdout. */
export function runPs(args: readonly string[], pids: readonly number[]): string {
  const q = spawnSync('ps', [...args, '-q', pids.join(',') || '0'], { encoding: 'utf8' });
  if (q.status === 0 || (q.status === 1 && q.stdout)) return q.stdout;
  const r = spawnSync('ps', [...args], { encoding: 'utf8' });
  if (r.error) throw new BerthError('Internal', `ps: ${r.error.message}`);
  if (r.status !== 0) throw new BerthError('Internal', `Error running ps: exit status ${r.status}: ${(r.stderr || '').trim().split('\n')[0]}`);
  return r.stdout;
}

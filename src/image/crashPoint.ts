/**
 * Test hook: when BERTH_CRASH_AT names this point, the process kills itself with SIGKILL
 * right here — a deterministic stand-in for `kill -9` at the worst moment.
 */
export function crashPoint(name: string): void {
  if (process.env.BERTH_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}

import { internal } from '../errors.js';

/**
 * Send a signal to one process. A pid of 0 or below would signal a whole process
 * group (ours, with kill(0)) — refuse it rather than ever doing that.
 */
export function signalPid(pid: number, signal: NodeJS.Signals | number): void {
  if (!Number.isInteger(pid) || pid <= 0) throw internal(`refusing to signal pid ${pid}`);
  process.kill(pid, signal);
}

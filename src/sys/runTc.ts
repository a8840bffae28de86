import { spawnSync } from 'node:child_process';
import { failedPrecondition, internal } from '../errors.js';

/**
 * Run `tc` commands (from src/network/rate) in order. With `tolerateMissing`,
 * "nothing to delete" answers (ENOENT/EINVAL from a del) count as success.
 */
export function runTcCommands(commands: string[][], opts: { tolerateMissing?: boolean } = {}): void {
  for (const argv of commands) {
    const viaNsenter = argv[0] === 'nsenter' && argv[2] === '--' && argv[3] === 'tc';
    if (argv[0] !== 'tc' && !viaNsenter) throw internal(`runTcCommands: not a tc command: ${argv.join(' ')}`);
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    if (r.error) throw failedPrecondition(`tc: ${r.error.message}`, { cause: r.error, hint: 'install iproute2 (tc) and util-linux (nsenter)' });
    if (r.status === 0) continue;
    const why = (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n')[0];
    if (opts.tolerateMissing && /No such file|Cannot find|Invalid handle|Cannot delete qdisc with handle of zero/i.test(why)) continue;
    throw failedPrecondition(`\`${argv.join(' ')}\`: ${why}`, { code: 'tc.failed' });
  }
}

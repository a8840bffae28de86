import type { Command } from 'commander';

/** `berth runtime ...`: an OCI runtime with runc's command line. */
export function registerRuntime(program: Command): void {
  program.command('runtime').description('OCI runtime (runc-compatible command line)');
}

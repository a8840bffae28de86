import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, exitCodeFor } from '../errors.js';
import { registerFor } from './commands.js';
import { takeErrorSink } from './errorSink.js';

export const VERSION = '0.1.0';

/** Build the whole command tree. Each verb lives in its own file and registers itself. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('berth')
    .description('berth: build, ship and run containers')
    .version(`berth version ${VERSION}`, '-v, --version', 'print version information and quit')
    .option('--root <dir>', 'root of berth state (default /var/lib/berth, or $BERTH_ROOT)')
    .option('-D, --debug', 'print stack traces on errors')
    .enablePositionalOptions()
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`berth: ${str.replace(/^error: /, '').trim()}\n`) });
  await registerFor(program, argv);
  return program;
}

/** Print an error as one line and set the exit code. The only place errors meet the user. */
export function reportError(e: unknown, debug = false): number {
  // The reader went away (`berth logs x | head -1`): quietly, as a process killed by SIGPIPE.
  if ((e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return 141;
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (e.code === UNKNOWN_VERB) return e.exitCode;
    return 125;
  }
  process.stderr.write(`berth: ${describe(e)}\n`);
  takeErrorSink()?.(describe(e));
  if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  return exitCodeFor(e);
}

/**
 * Stack traces on errors: `-D`/`--debug` among the global flags before the verb (never an
 * argument of the verb or of the container's command: `berth run busybox ls -D`), or BERTH_DEBUG.
 */
export function debugWanted(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.BERTH_DEBUG && env.BERTH_DEBUG !== '0') return true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-D' || a === '--debug') return true;
    if (a === '--root') i++;
    else if (a === '--' || !a.startsWith('-')) return false;
  }
  return false;
}

const UNKNOWN_VERB = 'berth.unknownCommand';

/** Docker's words for a verb it does not know (no guesses at what was meant), exit 1. */
function unknownVerb(c: Command, name: string): never {
  const names: string[] = [];
  for (let p: Command | null = c; p; p = p.parent) names.unshift(p.name());
  const chain = names.join(' ');
  const usage = c.parent ? `\nUsage:  ${chain} COMMAND\n` : '';
  process.stderr.write(`berth: unknown command: ${chain} ${name}\n${usage}\nRun '${chain} --help' for more information\n`);
  throw new CommanderError(1, UNKNOWN_VERB, `unknown command: ${chain} ${name}`);
}

function onUnknownVerb(c: Command): void {
  if (c.commands.length) c.on('command:*', (operands: string[]) => unknownVerb(c, operands[0]));
}

/** A closed stdout/stderr pipe ends the command quietly with 141 (SIGPIPE's status), not a stack trace. */
function quietOnClosedPipe(): void {
  for (const s of [process.stdout, process.stderr]) {
    if (s.listenerCount('error') > 0) continue;
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(141);
      throw e;
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  const program = await buildProgram(argv);
  onUnknownVerb(program);
  program.commands.forEach(function inherit(c: Command) {
    onUnknownVerb(c);
    c.exitOverride();
    c.configureOutput({ outputError: (str, write) => write(`berth: ${str.replace(/^error: /, '').trim()}\n`) });
    c.commands.forEach(inherit);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    process.exitCode = reportError(e, debugWanted(argv));
  }
  takeErrorSink();
  if (process.env.BERTH_LAUNCHER === 'none') (await import('./accelerator/start.js')).startAcceleratorIfWanted();
}

/** `node bin/berth.js --accel-worker`: serve commands for berth-launch (src/cli/accelerator/worker.ts). */
export async function accelerator(stamp: () => string): Promise<void> {
  const { serveAccelerator, acceleratorSocket } = await import('./accelerator/worker.js');
  const { projectDir } = await import('../sys/paths.js');
  await serveAccelerator({ socketPath: acceleratorSocket(path.join(projectDir, 'bin', 'berth.js')), run: main, stamp });
}

import type { Command } from 'commander';

type Add = (p: Command) => unknown;

/** Each verb's module, loaded only when the command line names it (keeps `run` lean). */
const VERBS: Record<string, () => Promise<Add>> = {
  run: async () => (await import('./run.js')).addRunCommand,
  create: async () => (await import('./create.js')).addCreateCommand,
  start: async () => (await import('./start.js')).addStartCommand,
  stop: async () => (await import('./stop.js')).addStopCommand,
  restart: async () => (await import('./restart.js')).addRestartCommand,
  kill: async () => (await import('./kill.js')).addKillCommand,
  wait: async () => (await import('./wait.js')).addWaitCommand,
  rename: async () => (await import('./rename.js')).addRenameCommand,
  pause: async () => (await import('./pause.js')).addPauseCommands,
  unpause: async () => (await import('./pause.js')).addPauseCommands,
  logs: async () => (await import('./logs.js')).addLogsCommand,
  exec: async () => (await import('./exec.js')).addExecCommand,
  diff: async () => (await import('./diff.js')).addDiffCommand,
  commit: async () => (await import('./commit.js')).addCommitCommand,
  top: async () => (await import('./top.js')).addTopCommand,
  stats: async () => (await import('./stats.js')).addStatsCommand,
  update: async () => (await import('./update.js')).addUpdateCommand,
  port: async () => (await import('./port.js')).addPortCommand,
  attach: async () => (await import('./attach.js')).addAttachCommand,
  cp: async () => (await import('./cp.js')).addCpCommand,
  rm: async () => (await import('./rm.js')).addRmCommand as Add,
  cleanup: async () => (await import('./cleanup.js')).addCleanupCommand,
};

/** The verb and, for `container`/`system`, its subcommand (global options skipped). */
function wordsOf(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length && out.length < 2; i++) {
    const a = argv[i];
    if (a === '--root') {
      i++;
      continue;
    }
    if (a.startsWith('-')) {
      if (out.length) break;
      continue;
    }
    out.push(a);
  }
  return out;
}

type Loaded = { verbs: Map<string, Add>; rest?: Rest };

/** Load the modules the command line needs: one verb's, or (no verb, help, ps, inspect, ...) all of them. */
async function load(argv: readonly string[]): Promise<Loaded> {
  const [verb, sub] = wordsOf(argv);
  const wanted = verb === 'container' ? sub : verb;
  const only = wanted !== undefined && wanted in VERBS && verb !== 'help' ? [wanted === 'unpause' ? 'pause' : wanted] : undefined;
  const verbs = new Map<string, Add>();
  for (const name of only ?? Object.keys(VERBS).filter((v) => v !== 'unpause')) verbs.set(name, await VERBS[name]());
  /** ps, inspect, prune, volume, info/version: only when the command line is not one of VERBS (or is help). */
  const rest: Rest | undefined = only ? undefined : await Promise.all([
    import('./ps.js'), import('./inspect.js'), import('./prune.js'), import('./volume.js'), import('./info.js'),
  ]);
  return { verbs, rest };
}

function group(program: Command, name: string, desc: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(desc);
}

/** The everyday verbs, top-level and under `container`; `volume`; `info`, `version`, `system prune|reset`. */
export async function containerCommands(argv: readonly string[]): Promise<(program: Command) => void> {
  const { verbs, rest } = await load(argv);
  return (program) => {
    const container = group(program, 'container', 'Manage containers');
    // Another group may already own a top-level verb (e.g. the image store's `diff`): keep theirs.
    const has = (p: Command, n: string) => p.commands.some((c) => c.name() === n);
    for (const parent of [program, container]) for (const [name, add] of verbs) if (!has(parent, name)) add(parent);
    if (rest) registerRest(program, container, rest, has);
  };
}

type Rest = [typeof import('./ps.js'), typeof import('./inspect.js'), typeof import('./prune.js'), typeof import('./volume.js'), typeof import('./info.js')];

function registerRest(program: Command, container: Command, r: Rest, has: (p: Command, n: string) => boolean): void {
  const [ps, inspect, prune, volume, info] = r;
  if (!has(program, 'ps')) ps.addPsCommand(program, 'ps');
  if (!has(container, 'ls')) ps.addPsCommand(container, 'ls').alias('ps').alias('list');
  if (!has(program, 'inspect')) inspect.addInspectCommand(program, 'inspect', false);
  if (!has(container, 'inspect')) inspect.addInspectCommand(container, 'inspect', true);
  if (!has(container, 'prune')) prune.addContainerPruneCommand(container);
  if (!has(program, 'volume')) volume.addVolumeCommands(program);
  const system = group(program, 'system', 'Manage berth');
  if (!has(system, 'prune')) prune.addSystemPruneCommand(system);
  if (!has(system, 'reset')) prune.addSystemResetCommand(system);
  if (!has(program, 'info')) info.addInfoCommands(program, system);
}

import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every verb group, loaded lazily: `berth <verb>` imports only the groups that list
 * <verb>, so a `run` does not pay for the image store's or the network's modules.
 * Help and unknown verbs load them all. Add one entry per group, and list every
 * top-level verb the group registers (a verb may appear in several groups, e.g. `system`).
 */
const GROUPS: { verbs: string[]; load: (argv: readonly string[]) => Promise<Register> }[] = [
  { verbs: ['runtime'], load: async () => (await import('./runtime/index.js')).registerRuntime },
  { verbs: ['compose'], load: async () => (await import('./compose/index.js')).registerComposeCommands },
  { verbs: ['serve', 'system'], load: async () => (await import('./serve/index.js')).registerServeCommands },
  { verbs: ['kube'], load: async () => (await import('./kube/index.js')).registerKubeCommands },
  { verbs: ['pod'], load: async () => (await import('./pod/index.js')).registerPodCommands },
  { verbs: ['network'], load: async () => (await import('./network/index.js')).registerNetworkCommands },
  { verbs: ['events'], load: async () => (await import('./events.js')).registerEventsCommand },
  {
    verbs: ['images', 'image', 'history', 'tag', 'rmi', 'import', 'save', 'load', 'export', 'system', 'pull', 'push', 'login', 'logout', 'manifest', 'build', 'builder'],
    load: async () => (await import('./image/index.js')).registerImageCommands,
  },
  {
    verbs: ['container', 'run', 'create', 'start', 'stop', 'restart', 'kill', 'wait', 'rename', 'pause', 'unpause', 'logs', 'rm', 'ps', 'exec', 'diff', 'commit', 'top', 'stats', 'update', 'port', 'attach', 'cp', 'inspect', 'volume', 'system', 'info', 'version'],
    load: async (argv) => (await import('./container/index.js')).containerCommands(argv),
  },
];

/** The first word that is not a global option (or its value). */
export function verbOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') { i++; continue; }
    if (a.startsWith('-')) continue;
    return a;
  }
  return undefined;
}

export async function registerFor(program: Command, argv: readonly string[]): Promise<void> {
  const verb = verbOf(argv);
  const groups = verb === undefined ? [] : GROUPS.filter((g) => g.verbs.includes(verb));
  for (const g of groups.length ? groups : GROUPS) (await g.load(argv))(program);
}

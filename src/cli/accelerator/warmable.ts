/**
 * Which command lines the accelerator runs in its warm process, and which it hands back
 * to a fresh one. Warm runs get no stdin and no terminal of their own (output is relayed),
 * so anything interactive, anything reading stdin, and anything long-lived goes cold.
 * When in doubt: cold. A cold run is only slower, never different.
 */
const WARM_VERBS = new Set([
  'run', 'create', 'start', 'stop', 'restart', 'kill', 'rm', 'ps', 'inspect', 'port', 'rename', 'pause', 'unpause',
  'wait', 'top', 'diff', 'commit', 'update', 'images', 'rmi', 'tag', 'history', 'version', 'info', 'volume', 'network',
]);
/** Subcommands of `container`, `image`, `volume`, `network` that are fine warm. */
const WARM_SUBS = new Set([
  'run', 'create', 'start', 'stop', 'restart', 'kill', 'rm', 'ls', 'ps', 'list', 'inspect', 'port', 'rename', 'pause',
  'unpause', 'wait', 'top', 'diff', 'commit', 'update', 'rmi', 'tag', 'history', 'connect', 'disconnect',
]);

/** Options of berth itself that take a value (skipped when looking for the verb). */
const GLOBAL_WITH_VALUE = new Set(['--root']);

/** Verbs whose -i/-t/-a (stdin, terminal, attach) need a process of their own. */
const ATTACHING = new Set(['run', 'create', 'start']);

export function warmable(argv: readonly string[]): boolean {
  const words: string[] = [];
  let attachFlags = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return false;
    if (a === '-' || a === '--help' || a === '-h' || a === '--follow' || a.startsWith('--follow=')) return false;
    if (/^--(interactive|tty|attach)(=|$)/.test(a)) attachFlags = true;
    // A short-option cluster with i, t or a, wherever it is (even in the container's command): assume the worst.
    if (/^-[a-zA-Z]+$/.test(a) && /[ita]/.test(a.slice(1))) attachFlags = true;
    if (words.length === 0 && GLOBAL_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-') && words.length < 2) words.push(a);
  }
  const [verb, sub] = words;
  if (verb === undefined) return false;
  const grouped = verb === 'container' || verb === 'image' || verb === 'volume' || verb === 'network';
  const name = grouped ? sub : verb;
  if (name === undefined || !(grouped ? WARM_SUBS : WARM_VERBS).has(name)) return false;
  return !(attachFlags && ATTACHING.has(name));
}

/**
 * `events [--since T] [--until T] [--filter k=v]... [--format TPL|json]`: the shared event log
 * (src/engine/eventLog.ts), past events of the window and then new ones as they come, until
 * --until or Ctrl-C. Never warm (src/cli/accelerator/warmable.ts): it runs until interrupted.
 */
import type { Command } from 'commander';
import { globalRoot } from './globals.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerEventsCommand(program: Command): void {
  program.command('events').description('Get real time events from the server')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--format <string>', 'Format output using a custom template (json, or a Go template)')
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp')
    .action(async (o: { filter: string[]; format?: string; since?: string; until?: string }, cmd: Command) => {
      const [{ ContainerStore }, { parseFilterFlags }, { parseEventTime, streamEvents }, msg] = await Promise.all([
        import('../engine/ContainerStore.js'), import('../engine/eventFilter.js'), import('../engine/queryEvents.js'), import('../engine/eventMessage.js'),
      ]);
      const now = Date.now();
      const q = {
        filters: parseFilterFlags(o.filter),
        since: o.since === undefined ? undefined : parseEventTime(o.since, 'since', now),
        until: o.until === undefined ? undefined : parseEventTime(o.until, 'until', now),
      };
      const render = await renderer(o.format, msg);
      const out = process.stdout;
      const stream = streamEvents(new ContainerStore(globalRoot(cmd)), q, (e) => out.write(render(e)));
      const onSig = () => stream.stop();
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
      try {
        await stream.done;
      } finally {
        process.off('SIGINT', onSig);
        process.off('SIGTERM', onSig);
      }
    });
}

type Msg = typeof import('../engine/eventMessage.js');
type Event = import('../engine/eventLog.js').BerthEvent;

async function renderer(format: string | undefined, msg: Msg): Promise<(e: Event) => string> {
  if (!format) return msg.formatEventLine;
  if (format === 'json') return (e) => `${msg.dockerEventJson(e)}\n`;
  const { renderTemplate } = await import('./format/renderTemplate.js');
  const tpl = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  renderTemplate(tpl, msg.dockerEventMessage({ type: 'container', action: 'create', id: '', attributes: {}, timeNano: '0' })); // a bad template fails now, not at the first event
  return (e) => `${renderTemplate(tpl, msg.dockerEventMessage(e))}\n`;
}

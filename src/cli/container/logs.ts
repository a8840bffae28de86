import type { Command } from 'commander';
import { exit1, storeOf } from './common.js';

/** `logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER`: from the json-file log. */
export function addLogsCommand(parent: Command): Command {
  return parent.command('logs').description('Fetch the logs of a container')
    .argument('<container>')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--since <string>', 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--until <string>', 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--details', 'Show extra details provided to logs')
    .action(exit1(async (ref: string, o: { follow?: boolean; tail: string; timestamps?: boolean; since?: string; until?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { followLogs, formatEntry, logSize, parseTimeArg, readLogs } = await import('../../engine/logs.js');
      const { liveState } = await import('../../engine/containerState.js');
      const { invalidArgument } = await import('../../errors.js');
      const rec = store.find(ref);
      if (rec.HostConfig.LogConfig?.Type === 'none') {
        const { failedPrecondition } = await import('../../errors.js');
        throw failedPrecondition('configured logging driver does not support reading');
      }
      const time = (v: string | undefined) => {
        if (v === undefined) return undefined;
        try {
          return parseTimeArg(v);
        } catch {
          throw invalidArgument(`invalid value for "since"/"until": ${v}`);
        }
      };
      const tail = o.tail === 'all' ? undefined : Number(o.tail);
      if (tail !== undefined && !Number.isInteger(tail)) throw invalidArgument(`invalid value for "tail": ${o.tail}`);
      const opts = { tail, since: time(o.since), until: time(o.until) };
      const logPath = store.logPath(rec.Id);
      const offset = logSize(logPath);
      const write = (e: { log: string; stream: string; time: string }) => (e.stream === 'stderr' ? process.stderr : process.stdout).write(formatEntry(e as never, !!o.timestamps));
      for (const e of readLogs(logPath, opts)) write(e);
      // Without its monitor nobody reads the container's output any more: say so, never end quietly.
      const lost = () => {
        const last = readLogs(logPath, { tail: 1 })[0];
        process.stderr.write(`berth: warning: the monitor of container ${rec.Id.slice(0, 12)} died${last ? ` after ${last.time}` : ''}: output written since it died was lost\n`);
      };
      if (liveState(store, rec).monitorGone) return lost();
      if (!o.follow) return;
      let gone = false;
      await followLogs(logPath, offset, { since: opts.since, until: opts.until }, write, () => {
        const r = store.read(rec.Id);
        const st = r && liveState(store, r);
        gone = !!st?.monitorGone;
        return !st || !st.Running || gone;
      });
      if (gone) lost();
    }));
}

/**
 * Several containers' json-file logs as one stream, each line prefixed `service-N  | ` (padded to
 * the longest name, coloured on a TTY as docker compose does), through the engine's log
 * reader. Following ends when `done()` says so (every container ended, or a stop).
 */
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { liveState } from '../../engine/containerState.js';
import { followLogs, formatEntry, logSize, readLogs, type LogEntry } from '../../engine/logs.js';
import type { ContainerRecord } from '../../engine/types.js';

export interface MultiLogOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  noPrefix?: boolean;
  noColor?: boolean;
  /** Following: stop when this returns true (besides every container having ended). */
  stop?: () => boolean;
  /** Following: the entries written from now on only (attached `up`). */
  fromNow?: boolean;
  /** Following: called once a container's output has been read to its end (it stopped). */
  onEnd?: (rec: ContainerRecord) => void;
}

const COLORS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

/** docker compose's name for a container's lines: its name less `<project>-` (`web-1`); a container_name stays whole. */
export function logName(rec: ContainerRecord): string {
  const name = rec.Name.replace(/^\//, '');
  const project = rec.Config.Labels?.['com.docker.compose.project'];
  return project && name.startsWith(`${project}-`) ? name.slice(project.length + 1) : name;
}

export function prefixer(names: string[], color: boolean): (name: string) => string {
  const width = Math.max(0, ...names.map((n) => n.length));
  return (name) => {
    const p = `${name.padEnd(width)}  | `;
    if (!color) return p;
    const i = names.indexOf(name);
    return `\x1b[${COLORS[(i < 0 ? 0 : i) % COLORS.length]}m${p}\x1b[0m`;
  };
}

export async function multiLogs(store: ContainerStore, recs: ContainerRecord[], o: MultiLogOptions): Promise<void> {
  const names = recs.map(logName);
  const color = !o.noColor && !!process.stdout.isTTY;
  const prefix = prefixer(names, color);
  const write = (name: string, e: LogEntry) => {
    const text = formatEntry(e, !!o.timestamps);
    (e.stream === 'stderr' && o.noPrefix ? process.stderr : process.stdout).write(o.noPrefix ? text : `${prefix(name)}${text.endsWith('\n') ? text : `${text}\n`}`);
  };
  const offsets = recs.map((r) => logSize(store.logPath(r.Id)));
  if (!o.fromNow) {
    for (const [i, r] of recs.entries()) for (const e of readLogs(store.logPath(r.Id), { tail: o.tail })) write(names[i], e);
  }
  if (!o.follow) return;
  await Promise.all(recs.map(async (r, i) => {
    let ended = false;
    await followLogs(store.logPath(r.Id), offsets[i], {}, (e) => write(names[i], e), () => {
      const now = store.read(r.Id);
      ended = !now || !liveState(store, now).Running;
      return ended || !!o.stop?.();
    });
    if (ended) o.onEnd?.(r);
  }));
}

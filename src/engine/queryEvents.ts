/**
 * `docker events` semantics over the shared log, for the CLI and the API alike: with --since
 * (or --until) the past events in that window first, in time order; then, unless --until has
 * passed, the new ones as they are appended, until --until (or until stopped).
 */
import type { ContainerStore } from './ContainerStore.js';
import { nowNano, readEvents, type BerthEvent } from './eventLog.js';
import { matchesFilters, type EventFilters } from './eventFilter.js';
import { followEvents } from './followEvents.js';
import { watchExits } from './watchExits.js';
import { parseTimeArg } from './logs.js';
import { invalidArgument } from '../errors.js';

export interface EventQuery {
  since?: bigint;
  until?: bigint;
  filters: EventFilters;
}

/** Docker's --since/--until: RFC3339 (any precision), Unix seconds[.nanos], or a duration before now. */
export function parseEventTime(v: string, what: string, now = Date.now()): bigint {
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (unix) return BigInt(unix[1]) * 1000000000n + BigInt((unix[2] ?? '').padEnd(9, '0'));
  const rfc = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{1,9})(Z|[+-]\d\d:\d\d)$/.exec(v);
  try {
    if (rfc) return BigInt(Date.parse(`${rfc[1]}${rfc[3]}`)) * 1000000n + BigInt(rfc[2].padEnd(9, '0'));
    const ms = parseTimeArg(v, now);
    if (!Number.isFinite(ms)) throw new Error('bad');
    return BigInt(Math.round(ms)) * 1000000n;
  } catch {
    throw invalidArgument(`failed to parse value of ${what} as a time: ${v}`);
  }
}

function inWindow(e: BerthEvent, q: EventQuery): boolean {
  const t = BigInt(e.timeNano);
  return (q.since === undefined || t >= q.since) && (q.until === undefined || t <= q.until);
}

export interface EventStream {
  /** Resolves when the stream ended by itself (--until reached). */
  done: Promise<void>;
  stop(): void;
}

/** Deliver the query's events to `onEvent`; `store` lets the follower record exits it sees. */
export function streamEvents(store: ContainerStore, q: EventQuery, onEvent: (e: BerthEvent) => void): EventStream {
  const root = store.root;
  const untilPassed = q.until !== undefined && q.until <= nowNano();
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const reap = watchExits(store);
  reap();
  const follower = untilPassed ? undefined : followEvents(root, (e) => {
    if (q.until !== undefined && BigInt(e.timeNano) > q.until) return;
    if (matchesFilters(e, q.filters) && inWindow(e, { ...q, since: undefined })) onEvent(e);
  }, { beforePoll: reap });
  if (q.since !== undefined || q.until !== undefined) {
    const past = readEvents(root, follower?.start).filter((e) => inWindow(e, q) && matchesFilters(e, q.filters));
    past.sort((a, b) => (BigInt(a.timeNano) < BigInt(b.timeNano) ? -1 : BigInt(a.timeNano) > BigInt(b.timeNano) ? 1 : 0));
    for (const e of past) onEvent(e);
  }
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (timer) clearTimeout(timer);
    follower?.stop();
    finish();
  };
  if (untilPassed) stop();
  else if (q.until !== undefined) {
    const ms = Number((q.until - nowNano()) / 1000000n);
    timer = setTimeout(() => {
      follower?.poll();
      stop();
    }, Math.max(0, Math.min(ms + 1, 2 ** 31 - 1)));
  }
  return { done, stop };
}

/** attach (hijacked), wait, logs, resize, stats: the container routes that stream. */
import net from 'node:net';
import { connectAttach } from '../../engine/attachClient.js';
import { liveState } from '../../engine/containerState.js';
import { followLogs, logFiles, parseTimeArg, type LogEntry, type LogOptions } from '../../engine/logs.js';
import { attachSocketPath } from '../../engine/startContainer.js';
import fs from 'node:fs';
import { conflict } from '../../errors.js';
import { sessionsOf, type PendingAttach } from '../containerSessions.js';
import { waitFor, type WaitCondition } from '../containerLifecycle.js';
import { badRequest } from '../errors.js';
import { detachScanner } from '../detach.js';
import type { DetachScanner } from '../../engine/detachKeys.js';
import type { Exchange, Hijacked } from '../exchange.js';
import type { Router } from '../router.js';
import { Deframer, frame, MULTIPLEXED, RAW } from '../streams.js';
import { statsJson } from './statsJson.js';

const STDIN = 0;
const RESIZE = 3;
const CLOSE_STDIN = 4;

/** Pump between the client and the monitor's attach socket until the container's output ends. */
function pump(h: Hijacked, sock: net.Socket, o: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean; detach?: DetachScanner }): void {
  const passThrough = !o.tty && o.stdout && o.stderr;
  const de = new Deframer((stream, data) => {
    if ((stream === 1 && o.stdout) || (stream === 2 && o.stderr)) h.write(o.tty ? data : frame(stream, data));
  });
  sock.on('data', (d: Buffer) => (passThrough ? h.write(d) : de.push(d)));
  sock.on('close', () => h.end());
  sock.on('error', () => h.end());
  if (o.stdin) {
    // With a TTY the detach keys end this attach (only this client's: the container runs on).
    const scan = o.tty ? o.detach : undefined;
    h.input.on('data', (d: Buffer) => {
      const fwd = scan ? scan.push(d) : d;
      if (fwd.length && sock.writable) sock.write(frame(STDIN, fwd));
      if (scan?.detached) {
        sock.destroy();
        h.end();
      }
    });
    h.input.once('end', () => sock.writable && sock.write(frame(CLOSE_STDIN, Buffer.alloc(0))));
    h.input.resume();
  }
  void h.closed.then(() => sock.destroy());
}

function logsToFrames(entries: LogEntry[], tty: boolean, o: { stdout: boolean; stderr: boolean; timestamps?: boolean }, write: (b: Buffer) => void): void {
  for (const e of entries) emitEntry(e, tty, o, write);
}

function emitEntry(e: LogEntry, tty: boolean, o: { stdout: boolean; stderr: boolean; timestamps?: boolean }, write: (b: Buffer) => void): void {
  const err = e.stream === 'stderr';
  if (err ? !o.stderr : !o.stdout) return;
  const b = Buffer.from(o.timestamps ? `${e.time} ${e.log}` : e.log);
  write(tty ? b : frame(err ? 2 : 1, b));
}

/**
 * POST /containers/{id}/attach: a running container joins at once; a created (or stopped)
 * one waits for its start, which this server holds until every waiting attach is connected.
 */
async function attach(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const o = { tty: rec.Config.Tty, stdin: x.bool('stdin') && rec.Config.OpenStdin, stdout: x.bool('stdout'), stderr: x.bool('stderr'), detach: detachScanner(x.query('detachKeys')) };
  const h = x.hijack(o.tty ? RAW : MULTIPLEXED);
  if (x.bool('logs')) logsToFrames(snapshotLogs(store.logPath(rec.Id), {}).entries, o.tty, o, (b) => h.write(b));
  if (!x.bool('stream')) return h.end();
  const st = liveState(store, rec);
  await new Promise<void>((resolve) => {
    void h.closed.then(resolve);
    const join = (sock: net.Socket) => {
      pump(h, sock, o);
      sock.once('close', () => resolve());
    };
    if (st.Running && !st.Paused) {
      connectAttach(attachSocketPath(store, rec.Id)).then(join, () => h.end());
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let joined = false;
    const pending: PendingAttach = {
      closed: false,
      connect: (sock: net.Socket) => {
        clearTimeout(timer);
        if (joined) return void sock.destroy();
        joined = true;
        join(sock);
      },
      late: () => {
        clearTimeout(timer);
        if (joined) return;
        joined = true;
        const now = store.read(rec.Id);
        if (now && liveState(store, now).Running) connectAttach(attachSocketPath(store, rec.Id)).then(join, () => h.end());
        else h.end();
      },
    };
    const drop = sessionsOf(x.ctx).addPending(rec.Id, pending);
    void h.closed.then(() => {
      pending.closed = true;
      clearTimeout(timer);
      drop();
    });
    // Started by another process (the CLI): join late; output until then is in the log.
    const poll = () => {
      const now = store.read(rec.Id);
      if (!now) return h.end();
      if (pending.claimed) return;
      if (liveState(store, now).Running && !pending.closed) {
        drop();
        return pending.late();
      }
      timer = setTimeout(poll, 250);
    };
    timer = setTimeout(poll, 250);
  });
}

/** POST /containers/{id}/wait?condition=: headers at once, the body when it holds. */
async function wait(x: Exchange): Promise<void> {
  const rec = x.ctx.store.find(x.params.id);
  const condition = (x.query('condition') || 'not-running') as WaitCondition;
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw badRequest(`invalid condition: "${condition}"`);
  const s = x.stream(200, 'application/json');
  const gone = new AbortController();
  void s.closed.then(() => gone.abort());
  x.ctx.stopping.addEventListener('abort', () => gone.abort(), { once: true });
  const code = await waitFor(x.ctx, rec.Id, condition, gone.signal);
  if (code === undefined) return s.destroy();
  s.write(JSON.stringify({ StatusCode: code, Error: null }) + '\n');
  s.end();
}

/** What the log holds now, and the offset in the live file where following goes on (no line twice, none lost). */
function snapshotLogs(logPath: string, o: LogOptions): { entries: LogEntry[]; offset: number } {
  const entries: LogEntry[] = [];
  let offset = 0;
  const parse = (text: string) => {
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as LogEntry);
      } catch { /* a torn line */ }
    }
  };
  for (const f of logFiles(logPath)) {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(f);
    } catch {
      continue;
    }
    if (f === logPath) {
      offset = buf.lastIndexOf(0x0a) + 1;
      buf = buf.subarray(0, offset);
    }
    parse(buf.toString('utf8'));
  }
  let out = entries.filter((e) => inRange(e, o));
  if (o.tail !== undefined && o.tail >= 0) out = o.tail === 0 ? [] : out.slice(-o.tail);
  return { entries: out, offset };
}

function inRange(e: LogEntry, o: LogOptions): boolean {
  const t = Date.parse(e.time);
  return !(o.since !== undefined && t < o.since) && !(o.until !== undefined && t > o.until);
}

function timeArg(x: Exchange, name: string): number | undefined {
  const v = x.query(name);
  if (!v || v === '0') return undefined;
  try {
    return parseTimeArg(v);
  } catch {
    throw badRequest(`invalid value for "${name}": ${v}`);
  }
}

async function logs(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const o = { stdout: x.bool('stdout'), stderr: x.bool('stderr'), timestamps: x.bool('timestamps') };
  if (!o.stdout && !o.stderr) throw badRequest('Bad parameters: you must choose at least one stream');
  if (rec.HostConfig.LogConfig.Type === 'none') throw badRequest('configured logging driver does not support reading');
  const tailArg = x.query('tail');
  const tail = !tailArg || tailArg === 'all' ? undefined : Number(tailArg);
  if (tail !== undefined && !Number.isInteger(tail)) throw badRequest(`invalid value for "tail": ${tailArg}`);
  const lo: LogOptions = { since: timeArg(x, 'since'), until: timeArg(x, 'until'), tail };
  const tty = rec.Config.Tty;
  const s = x.stream(200, tty ? RAW : MULTIPLEXED);
  const logPath = store.logPath(rec.Id);
  const snap = snapshotLogs(logPath, lo);
  logsToFrames(snap.entries, tty, o, (b) => s.write(b));
  const running = () => {
    const r = store.read(rec.Id);
    return !!r && liveState(store, r).Running;
  };
  if (x.bool('follow') && running() && lo.until === undefined) {
    let gone = false;
    const wake = new Promise<void>((r) => {
      void s.closed.then(() => { gone = true; r(); });
      sessionsOf(x.ctx).events.once(`exit:${rec.Id}`, () => r());
      x.ctx.stopping.addEventListener('abort', () => { gone = true; r(); }, { once: true });
    });
    await followLogs(logPath, snap.offset, { since: lo.since }, (e) => emitEntry(e, tty, o, (b) => s.write(b)), () => gone || !running(), wake);
  }
  s.end();
}

async function resize(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const h = x.int('h');
  const w = x.int('w');
  if (h === undefined || w === undefined || h < 0 || w < 0 || h > 65535 || w > 65535) throw badRequest('resize: h and w must be numbers between 0 and 65535');
  if (!liveState(store, rec).Running) throw conflict(`cannot resize container ${rec.Id}: container is not running`);
  const sock = await connectAttach(attachSocketPath(store, rec.Id));
  await new Promise<void>((r) => sock.end(frame(RESIZE, Buffer.from(`${h} ${w}`)), () => r()));
  x.send(200, '', { 'Content-Type': 'text/plain' });
}

async function stats(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const { sample } = await import('../../engine/stats.js');
  const stream = x.bool('stream', true);
  const oneShot = x.bool('one-shot');
  const s = x.stream(200, 'application/json');
  let gone = false;
  void s.closed.then(() => (gone = true));
  const sleep = (ms: number) => new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    void s.closed.then(() => { clearTimeout(t); r(); });
  });
  let prev = sample(store, rec);
  if (!stream) {
    if (!oneShot) {
      await sleep(500);
      const cur = sample(store, store.read(rec.Id) ?? rec);
      s.write(JSON.stringify(statsJson(cur, prev)) + '\n');
    } else s.write(JSON.stringify(statsJson(prev, undefined)) + '\n');
    return s.end();
  }
  s.write(JSON.stringify(statsJson(prev, undefined)) + '\n');
  while (!gone && !x.ctx.stopping.aborted) {
    await sleep(1000);
    const now = store.read(rec.Id);
    if (!now || gone) break;
    const cur = sample(store, now);
    s.write(JSON.stringify(statsJson(cur, prev)) + '\n');
    prev = cur;
    if (!liveState(store, now).Running) break;
  }
  s.end();
}

export function registerContainerStreams(r: Router): void {
  r.add('POST', '/containers/{id}/attach', attach);
  r.add('POST', '/containers/{id}/wait', wait);
  r.add('GET', '/containers/{id}/logs', logs);
  r.add('POST', '/containers/{id}/resize', resize);
  r.add('GET', '/containers/{id}/stats', stats);
}

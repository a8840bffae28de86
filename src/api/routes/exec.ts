/**
 * /containers/{id}/exec and /exec/{id}/...: an exec is kept in this server's memory (as
 * dockerd's are) from create until a while after it ends; start runs the engine's
 * execInContainer with its stdio on pipes, relayed over the hijacked connection.
 */
import { randomBytes } from 'node:crypto';
import { execInContainer, type ExecRequest } from '../../engine/execInContainer.js';
import { liveState } from '../../engine/containerState.js';
import { conflict, describe, isBerthError, notFound } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { badRequest } from '../errors.js';
import { detachScanner } from '../detach.js';
import type { Exchange, Hijacked } from '../exchange.js';
import type { Router } from '../router.js';
import { frame, MULTIPLEXED, RAW } from '../streams.js';

interface ExecRecord {
  id: string;
  containerId: string;
  req: ExecRequest;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  endedAt?: number;
  /** The size the last resize asked for, and the running pty's resizer once there is one. */
  size?: [number, number];
  resize?: (rows: number, cols: number) => void;
  /** DetachKeys at create ('' is Docker's default ctrl-p,ctrl-q). */
  detachKeys: string;
}

/** Ended execs are forgotten after this long (dockerd keeps them until the container goes). */
const KEEP_MS = 10 * 60_000;
const EXECS = new WeakMap<ApiContext, Map<string, ExecRecord>>();

function execsOf(ctx: ApiContext): Map<string, ExecRecord> {
  let m = EXECS.get(ctx);
  if (!m) EXECS.set(ctx, (m = new Map()));
  const now = Date.now();
  for (const [k, e] of m) if (e.endedAt && now - e.endedAt > KEEP_MS) m.delete(k);
  return m;
}

function findExec(x: Exchange): ExecRecord {
  const e = execsOf(x.ctx).get(x.params.id);
  if (!e) throw notFound(`No such exec instance: ${x.params.id}`);
  return e;
}

const strs = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

async function create(x: Exchange): Promise<void> {
  const store = x.ctx.store;
  const rec = store.find(x.params.id);
  const b = (await x.json<Record<string, unknown>>()) ?? {};
  const cmd = strs(b.Cmd);
  if (!cmd.length) throw badRequest('No exec command specified');
  const st = liveState(store, rec);
  if (!st.Running) throw conflict(`container ${rec.Id} is not running`);
  if (st.Paused) throw conflict(`container ${rec.Id} is paused, unpause the container before exec`);
  const detachKeys = typeof b.DetachKeys === 'string' ? b.DetachKeys : '';
  detachScanner(detachKeys);
  const id = randomBytes(32).toString('hex');
  const req: ExecRequest = {
    command: cmd, tty: b.Tty === true, interactive: b.AttachStdin === true, env: strs(b.Env).filter((e) => e.includes('=')),
    user: typeof b.User === 'string' && b.User ? b.User : undefined, workdir: typeof b.WorkingDir === 'string' && b.WorkingDir ? b.WorkingDir : undefined,
    privileged: b.Privileged === true, consoleSize: consoleSize(b.ConsoleSize),
  };
  execsOf(x.ctx).set(id, {
    id, containerId: rec.Id, req, running: false, started: false, exitCode: null, pid: 0, detachKeys,
    attach: { stdin: b.AttachStdin === true, stdout: b.AttachStdout !== false, stderr: b.AttachStderr !== false },
  });
  x.sendJson(201, { Id: id });
}

/** ConsoleSize: [height, width] (1.42+); [0, 0] or absent is unset. */
function consoleSize(v: unknown): [number, number] | undefined {
  if (v === undefined || v === null) return undefined;
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
  if (!Array.isArray(v) || v.length !== 2 || !ok(v[0]) || !ok(v[1])) throw badRequest('ConsoleSize: expected [height, width]');
  return v[0] && v[1] ? [v[0], v[1]] : undefined;
}

async function start(x: Exchange): Promise<void> {
  const e = findExec(x);
  const b = (await x.json<Record<string, unknown>>()) ?? {};
  if (e.started) throw conflict(`exec ${e.id} has already been started`);
  e.started = true;
  const tty = b.Tty === true || !!e.req.tty;
  const req: ExecRequest = { ...e.req, tty, consoleSize: e.size ?? e.req.consoleSize };
  if (b.Detach === true) {
    e.running = true;
    await execInContainer(x.ctx.store, e.containerId, { ...req, detach: true }).finally(() => {
      e.running = false;
    });
    return x.noContent(200);
  }
  const h = x.hijack(tty ? RAW : MULTIPLEXED);
  e.running = true;
  try {
    const resizer = (fn: (rows: number, cols: number) => void) => {
      e.resize = fn;
      if (e.size) fn(...e.size);
    };
    e.exitCode = await execInContainer(x.ctx.store, e.containerId, { ...req, pipes: (child) => relay(h, child, e, tty), resizer });
  } catch (err) {
    e.exitCode = isBerthError(err) && err.exitCode ? err.exitCode : 126;
    const msg = Buffer.from(`OCI runtime exec failed: ${describe(err)}\n`);
    h.write(tty ? msg : frame(2, msg));
  } finally {
    e.running = false;
    e.resize = undefined;
    e.endedAt = Date.now();
  }
  h.end();
}

/** The helper's pipes <-> the client: stdout/stderr framed (raw with a TTY), stdin until the client half-closes. */
function relay(h: Hijacked, child: { stdin: NodeJS.WritableStream | null; stdout: NodeJS.ReadableStream | null; stderr: NodeJS.ReadableStream | null; pid?: number }, e: ExecRecord, tty: boolean): void {
  e.pid = child.pid ?? 0;
  // With a TTY the detach keys let the client go; the process runs on, its output is drained.
  const scan = tty ? detachScanner(e.detachKeys) : undefined;
  child.stdout?.on('data', (d: Buffer) => e.attach.stdout && !scan?.detached && h.write(tty ? d : frame(1, d)));
  child.stderr?.on('data', (d: Buffer) => e.attach.stderr && !scan?.detached && h.write(tty ? d : frame(2, d)));
  const stdin = child.stdin;
  if (!stdin) return;
  stdin.on('error', () => undefined);
  if (!e.attach.stdin) {
    stdin.end();
    return;
  }
  if (!scan) h.input.pipe(stdin as NodeJS.WritableStream);
  else {
    h.input.on('data', (d: Buffer) => {
      const fwd = scan.push(d);
      if (fwd.length) stdin.write(fwd);
      if (scan.detached) h.end();
    });
    h.input.once('end', () => stdin.end());
  }
  h.input.resume();
  void h.closed.then(() => stdin.end());
}

function inspect(x: Exchange): void {
  const e = findExec(x);
  x.sendJson(200, {
    ID: e.id, Running: e.running, ExitCode: e.exitCode, ProcessConfig: { tty: !!e.req.tty, entrypoint: e.req.command[0], arguments: e.req.command.slice(1), privileged: !!e.req.privileged, user: e.req.user ?? '' },
    OpenStdin: e.attach.stdin, OpenStderr: e.attach.stderr, OpenStdout: e.attach.stdout, CanRemove: false, ContainerID: e.containerId, DetachKeys: e.detachKeys, Pid: e.pid,
  });
}

/** The running pty gets the size at once; before it runs, the size is kept and is its size from the start (after it ended: nothing to do). */
function resize(x: Exchange): void {
  const e = findExec(x);
  const h = x.int('h');
  const w = x.int('w');
  if (h === undefined || w === undefined || h < 0 || w < 0 || h > 65535 || w > 65535) throw badRequest('resize: h and w must be numbers between 0 and 65535');
  e.size = [h, w];
  e.resize?.(h, w);
  x.send(201, '', { 'Content-Type': 'text/plain' });
}

export function register(r: Router): void {
  r.add('POST', '/containers/{id}/exec', create);
  r.add('POST', '/exec/{id}/start', start);
  r.add('POST', '/exec/{id}/resize', resize);
  r.add('GET', '/exec/{id}/json', inspect);
}

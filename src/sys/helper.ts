/**
 * Spawning the C helper and speaking its sync protocol (docs/plan.md):
 *   helper -> runtime: `pid N`, `ready`, `exec T_TOTAL T_GO`, `error STEP PATH ERRNO MESSAGE`
 *   runtime -> helper: `go`
 * The helper runs in its own session so the container outlives this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { BerthError } from '../errors.js';
import { helperPath } from './paths.js';

export type HelperMessage =
  | { kind: 'pid'; pid: number }
  | { kind: 'ready' }
  | { kind: 'exec'; totalNs: number; goWaitNs: number }
  | { kind: 'error'; step: string; path: string; errno: number; message: string };

export interface HelperHandle {
  child: ChildProcess;
  /** Next message from the helper; rejects when the channel closes first. */
  next(): Promise<HelperMessage>;
  send(line: string): void;
  /** Let go: the helper (the container's monitor) lives on without us. */
  detach(): void;
  /** Resolves with the helper's exit status (the container's exit code when it ran in the foreground). */
  exited: Promise<number>;
}

/**
 * `run PLAN` starts a container and its monitor in a session of its own; `exec PLAN PID`
 * runs a process in a running container, in our process group (it gets our SIGWINCH).
 */
export function spawnHelper(planFile: string, stdio: 'inherit' | 'ignore' | 'output' | 'pipe', execPid?: number, detached = execPid === undefined): HelperHandle {
  const args = execPid === undefined ? ['run', planFile] : ['exec', planFile, String(execPid)];
  // 'output': our stdout and stderr, no stdin (exec without -i reads end-of-file, as Docker's).
  // 'pipe': three pipes the caller reads and writes (the Engine API's exec streams).
  const out = stdio === 'output' ? 'inherit' : stdio;
  const child = spawn(helperPath, args, { stdio: [stdio === 'output' ? 'ignore' : stdio, out, out, 'pipe'], detached });
  const chan = child.stdio[3] as Socket;
  const queue: HelperMessage[] = [];
  const waiters: { resolve: (m: HelperMessage) => void; reject: (e: Error) => void }[] = [];
  let closed: Error | undefined;
  let buf = '';
  chan.setEncoding('utf8');
  chan.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = parseMessage(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (!msg) continue;
      const w = waiters.shift();
      if (w) w.resolve(msg);
      else queue.push(msg);
    }
  });
  const onClose = () => {
    closed ??= new BerthError('Internal', 'the container monitor (berth-helper) exited during setup');
    for (const w of waiters.splice(0)) w.reject(closed);
  };
  chan.on('close', onClose);
  chan.on('error', onClose);
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', (e) => {
      closed = new BerthError('Unavailable', `cannot run the helper \`${helperPath}\`: ${e.message}`, { hint: 'run `npm run build` to build native/' });
      onClose();
      resolve(125);
    });
  });
  return {
    child,
    exited,
    next() {
      const m = queue.shift();
      if (m) return Promise.resolve(m);
      if (closed) return Promise.reject(closed);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    send(line: string) {
      if (chan.writable) chan.write(line + '\n');
    },
    detach() {
      chan.destroy();
      child.unref();
    },
  };
}

function parseMessage(line: string): HelperMessage | undefined {
  const f = line.split('\t');
  switch (f[0]) {
    case 'pid':
      return { kind: 'pid', pid: Number(f[1]) };
    case 'ready':
      return { kind: 'ready' };
    case 'exec':
      return { kind: 'exec', totalNs: Number(f[1]), goWaitNs: Number(f[2]) };
    case 'error':
      return { kind: 'error', step: f[1], path: f[2], errno: Number(f[3]), message: f[4] ?? `errno ${f[3]}` };
    default:
      return undefined;
  }
}

const ENOENT = 2;
const EACCES = 13;
const EPERM = 1;

/** A helper `error` as the user's one line: `mount proc on /proc: permission denied`. */
export function helperError(m: Extract<HelperMessage, { kind: 'error' }>): BerthError {
  const exec = m.step === 'check_exec' || m.step === 'exec';
  if (exec && m.errno === ENOENT) {
    return new BerthError('NotFound', `exec \`${m.path}\`: executable file not found in $PATH`, { exitCode: 127, code: 'exec.notFound' });
  }
  if (exec && m.errno === EACCES) {
    return new BerthError('FailedPrecondition', `exec \`${m.path}\`: permission denied`, { exitCode: 126, code: 'exec.permission' });
  }
  const hint = m.step === 'rlimit' && m.errno === EPERM
    ? 'raising a hard limit needs CAP_SYS_RESOURCE, which this host does not have'
    : undefined;
  return new BerthError('FailedPrecondition', `${m.step} ${m.path}: ${m.message}`.replace(/\s+:/, ':'), { hint, code: `helper.${m.step.split(' ')[0]}` });
}

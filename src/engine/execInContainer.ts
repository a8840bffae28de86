/**
 * `exec`: a new process in a running container, built from the container's own process
 * (env, user, caps, cwd) with the exec flags applied, run by the helper in exec mode
 * (joins every namespace and the cgroup).
 */
import { randomBytes } from 'node:crypto';
import { containerEvent } from './containerEvents.js';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, conflict, isBerthError } from '../errors.js';
import { CAPABILITIES } from '../runtime/capabilities.js';
import { execContainer } from '../runtime/execContainer.js';
import type { Spec } from '../runtime/spec.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import { resolveUser } from './imageFiles.js';
import { mergeEnv, parseEnvArgs } from './parseFlags.js';

export interface ExecRequest {
  command: string[];
  detach?: boolean;
  /** Attach stdin (-i); without it the process reads end-of-file. */
  interactive?: boolean;
  tty?: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  privileged?: boolean;
  /** The Engine API: the process's stdio as pipes (ignored with detach). */
  pipes?: import('../runtime/execContainer.js').ExecOptions['pipes'];
  /** With tty and pipes: [rows, cols] of its pty from the start (the API's ConsoleSize). */
  consoleSize?: [number, number];
  /** With tty and pipes: gets the function that resizes its pty once it runs (the API's exec resize). */
  resizer?: import('../runtime/execContainer.js').ExecOptions['resizer'];
  /** The exec's ID in its events (the Engine API's exec ID); a new one when absent. */
  execId?: string;
}

export async function execInContainer(store: ContainerStore, ref: string, req: ExecRequest): Promise<number> {
  const rec = store.find(ref);
  const st = liveState(store, rec);
  if (!st.Running || st.Restarting) throw conflict(`container ${rec.Id} is not running`);
  if (st.Paused) throw conflict(`container ${rec.Id} is paused, unpause the container before exec`);
  const spec = JSON.parse(fs.readFileSync(path.join(store.dir(rec.Id), 'config.json'), 'utf8')) as Spec;
  const proc = { ...spec.process! };
  proc.args = req.command;
  proc.terminal = !!req.tty;
  if (req.tty && req.consoleSize) proc.consoleSize = { height: req.consoleSize[0], width: req.consoleSize[1] };
  else delete proc.consoleSize;
  const execEnv = parseEnvArgs(req.env ?? []);
  // Docker's daemon environment for a tty exec: TERM=xterm, under the container's env and -e.
  const tty = req.tty && !(proc.env ?? []).some((e) => e.split('=')[0] === 'TERM') ? ['TERM=xterm'] : [];
  proc.env = mergeEnv([...(proc.env ?? []), ...tty], execEnv);
  if (req.workdir) proc.cwd = req.workdir;
  // HOME not set by the image/-e/exec -e is runc's: the exec user's passwd entry's.
  const hasHome = (l: readonly string[]) => l.some((e) => e.split('=')[0] === 'HOME');
  const ownHome = !hasHome(rec.Config.Env) && !hasHome(execEnv);
  if (req.user !== undefined || (ownHome && !hasHome(proc.env))) {
    const { userFiles } = await import('./containerFiles.js');
    const u = resolveUser(req.user ?? rec.Config.User, ...userFiles({ dir: `/proc/${st.Pid}/root` }));
    if ('error' in u) throw conflict(u.error);
    if (req.user !== undefined) proc.user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
    if (ownHome) proc.env = mergeEnv(proc.env, [`HOME=${u.home}`]);
  }
  if (req.privileged) {
    const all = [...CAPABILITIES];
    proc.capabilities = { bounding: all, effective: all, permitted: all, inheritable: [], ambient: [] };
  } else if (proc.user.uid !== 0 && proc.capabilities) {
    proc.capabilities = { ...proc.capabilities, effective: [], permitted: [] };
  }
  let seccomp: { program: Uint8Array; flags: number } | undefined;
  if (spec.linux?.seccomp && !req.privileged) {
    const { compileSeccompFor } = await import('../runtime/seccompFor.js');
    seccomp = await compileSeccompFor(spec.linux.seccomp, store.runtimeRoot);
  }
  // Docker's exec events: the action names the command (`exec_start: sh -c date`).
  const cmd = req.command.join(' ');
  const execID = req.execId ?? randomBytes(32).toString('hex');
  containerEvent(store, rec, `exec_create: ${cmd}`, { execID });
  containerEvent(store, rec, `exec_start: ${cmd}`, { execID });
  try {
    const code = await execContainer({ root: store.runtimeRoot, id: rec.Id, process: proc, seccomp, detach: req.detach, stdin: !!req.interactive, pipes: req.pipes, resizer: req.resizer });
    if (!req.detach) containerEvent(store, rec, 'exec_die', { execID, exitCode: code });
    return code;
  } catch (e) {
    // Docker's exec: whatever the runtime could not do (a command that cannot be found, a
    // working directory it cannot enter) is 126 ("OCI runtime exec failed"; run's are 127/125).
    if (isBerthError(e) && (e.exitCode === 127 || e.code.startsWith('helper.'))) throw new BerthError(e.kind, e.message, { code: e.code, hint: e.hint, cause: e.cause, exitCode: 126 });
    throw e;
  }
}

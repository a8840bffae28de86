/** start, kill, delete: the OCI lifecycle after create. */
import fs from 'node:fs';
import path from 'node:path';
import { constants as osc } from 'node:os';
import { BerthError, conflict, failedPrecondition, invalidArgument } from '../errors.js';
import { isZombie, processAlive } from '../sys/procAlive.js';
import { containerCgroup } from './hostCgroupLayout.js';
import { unregisterCgroup } from './cgroupOwners.js';
import { runHooksWarn } from './hooks.js';
import { loadSpec, type Spec } from './spec.js';
import { openState, type StateDir } from './state.js';
import { signalPid } from '../sys/signal.js';

/** Release an init held between create and start. */
export async function startContainer(root: string, id: string): Promise<void> {
  const sd = openState(root, id);
  const status = sd.status();
  if (status !== 'created') throw failedPrecondition(`cannot start container \`${id}\`: it is ${status}, not created`);
  let fd: number;
  try {
    fd = fs.openSync(sd.fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw failedPrecondition(`cannot start container \`${id}\`: its init is not waiting (${(e as Error).message})`);
  }
  try {
    fs.writeSync(fd, Buffer.from([0]));
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(sd.fifo, { force: true });
  const s = sd.read()!;
  await runHooksWarn(specOf(s.bundle)?.hooks, 'poststart', sd.poststartState());
}

export function parseSignal(sig: string | number | undefined): number {
  if (sig === undefined || sig === '') return osc.signals.SIGTERM;
  if (typeof sig === 'number' || /^\d+$/.test(sig)) {
    const n = Number(sig);
    if (n < 1 || n > 64) throw invalidArgument(`invalid signal \`${sig}\``);
    return n;
  }
  const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
  const n = (osc.signals as Record<string, number>)[name];
  if (n === undefined) throw invalidArgument(`invalid signal \`${sig}\``);
  return n;
}

export function killContainer(root: string, id: string, signal?: string, all = false): void {
  const sd = openState(root, id);
  const s = sd.read();
  const status = sd.status(s);
  if (!s || (status !== 'created' && status !== 'running')) throw failedPrecondition(`cannot kill container \`${id}\`: container not running (${status})`);
  const sig = parseSignal(signal);
  if (all && s.cgroupPath) {
    for (const pid of containerCgroup(s)!.pids()) try { process.kill(pid, sig); } catch { /* exited */ }
    return;
  }
  signalPid(s.pid, sig);
}

/** Wait (bounded) until the monitor has recorded the exit, or the process is gone. */
export async function waitStopped(sd: StateDir, timeoutMs = 10_000): Promise<boolean> {
  const s = sd.read();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (sd.status(s) === 'stopped' && (!s || !processAlive(s.monitorPid) || isZombie(s.monitorPid))) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

/**
 * `keepParents`: leave berth/ in each hierarchy even when it empties (the engine does, as
 * Docker keeps docker/: remaking it costs a cgroup mkdir per hierarchy on every start).
 */
export async function deleteContainer(root: string, id: string, force = false, opts: { keepParents?: boolean } = {}): Promise<void> {
  const sd = openState(root, id);
  const s = sd.read();
  const status = sd.status(s);
  if (status === 'running' && !force) {
    throw conflict(`cannot delete container \`${id}\` that is not stopped: running`, { hint: 'stop it first or use --force' });
  }
  const cgroupPath = s?.cgroupPath ?? recordedCgroup(sd);
  // The hierarchies it was made in; a create killed before its state.json: the host's now.
  const cg = containerCgroup(s?.cgroupPath ? s : { cgroupPath });
  if (s && status !== 'stopped') {
    // Through the cgroup when there is one: that also ends a paused (frozen) container.
    if (cg) cg.killAll();
    else try { signalPid(s.pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
    if (!(await waitStopped(sd))) throw new BerthError('Unavailable', `container \`${id}\` did not stop after SIGKILL`);
  }
  // berth/ goes too once empty unless kept; a concurrent create remakes it
  if (cg) cg.destroy({ pruneParents: !opts.keepParents });
  if (cgroupPath) unregisterCgroup(cgroupPath, sd.dir);
  const spec = s ? specOf(s.bundle) : undefined;
  const state = { ...sd.ociState(), status: 'stopped' as const };
  sd.remove();
  await runHooksWarn(spec?.hooks, 'poststop', state);
}

/** The cgroup a create recorded before it made it (its state.json may never have been written). */
function recordedCgroup(sd: StateDir): string | undefined {
  try {
    return fs.readFileSync(path.join(sd.dir, 'cgroup'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function specOf(bundle: string): Spec | undefined {
  try {
    return loadSpec(bundle);
  } catch {
    return undefined;
  }
}

/** A new process in a running container (`docker exec`): same namespaces, cgroup and, unless told otherwise, credentials. */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BerthError, failedPrecondition } from '../errors.js';
import { atomicWriteFileSync } from '../sys/atomicWrite.js';
import { helperError, spawnHelper, type HelperHandle } from '../sys/helper.js';
import { capsToMask } from './capabilities.js';
import { containerCgroup, type CgroupRecord } from './hostCgroupLayout.js';
import { buildExecPlan, serializePlan } from './plan.js';
import { hostCapabilitiesFor } from './hostCapabilities.js';
import { checkAppArmor } from './apparmor.js';
import type { Spec } from './spec.js';
import { openState } from './state.js';

export interface ExecOptions {
  root: string;
  id: string;
  process: NonNullable<Spec['process']>;
  seccomp?: { program: Uint8Array; flags: number };
  /** Start it and return at once (docker exec -d). */
  detach?: boolean;
  /** Forward our stdin to it (docker exec -i); else it reads end-of-file. Default: forward. */
  stdin?: boolean;
  /** The process's stdio as pipes handed to this callback (the Engine API), instead of ours. */
  pipes?: (child: HelperHandle['child']) => void;
  /** runc exec --detach: the process keeps our stdio, goes to our subreaper, is not waited for. */
  direct?: boolean;
  consoleSocket?: string;
  pidFile?: string;
  /** With a terminal and pipes: called once the process runs with a function that sets its pty's size. */
  resizer?: (resize: (rows: number, cols: number) => void) => void;
}

/** Write the exec plan for a container; the monitor's health checks use the same form. */
export function writeExecPlan(file: string, process: NonNullable<Spec['process']>, cgroup: CgroupRecord, seccomp?: ExecOptions['seccomp'], direct?: { consoleSocket?: string }, resizable = false): void {
  const cgroupProcs = containerCgroup(cgroup)?.procsFiles();
  const ops = buildExecPlan(process, { capMask: capsToMask, seccomp, cgroupProcs, direct: !!direct, consoleSocket: direct?.consoleSocket, resizable });
  fs.writeFileSync(file, serializePlan(ops), { mode: 0o600 });
}

/** Runs the process; resolves with its exit code (0 at once with detach). */
export async function execContainer(o: ExecOptions): Promise<number> {
  const sd = openState(o.root, o.id);
  const s = sd.read();
  const status = sd.status(s);
  if (!s || status !== 'running') throw failedPrecondition(`container \`${o.id}\` is not running (${status})`);
  checkAppArmor(o.process);
  const plan = path.join(sd.dir, `exec-${randomBytes(6).toString('hex')}.plan`);
  const resizable = !!(o.resizer && o.pipes && o.process.terminal && !o.detach && !o.direct);
  writeExecPlan(plan, hostCapabilitiesFor(o.process), s, o.seccomp, o.direct ? { consoleSocket: o.consoleSocket } : undefined, resizable);
  const stdio = o.direct ? 'inherit' : o.detach ? 'ignore' : o.pipes ? 'pipe' : o.stdin === false ? 'output' : 'inherit';
  const helper = spawnHelper(plan, stdio, s.pid, !!o.detach);
  if (o.pipes && !o.detach && !o.direct) o.pipes(helper.child);
  try {
    for (;;) {
      const m = await helper.next();
      if (m.kind === 'error') throw helperError(m);
      if (m.kind === 'pid' && o.pidFile) atomicWriteFileSync(path.resolve(o.pidFile), String(m.pid));
      if (m.kind === 'exec') break;
    }
  } catch (e) {
    await helper.exited;
    fs.rmSync(plan, { force: true });
    if (e instanceof BerthError) throw e;
    throw failedPrecondition(`exec in \`${o.id}\`: ${(e as Error).message}`);
  }
  fs.rmSync(plan, { force: true });
  if (o.direct) return helper.exited;
  if (o.detach) {
    helper.detach();
    return 0;
  }
  if (resizable) o.resizer!((rows, cols) => helper.send(`resize\t${Math.trunc(rows)}\t${Math.trunc(cols)}`));
  return helper.exited;
}

/**
 * Runtime state on disk, one directory per container under the runtime root:
 *   state.json  written by the runtime once the init exists (atomic)
 *   exit.json   written by the monitor when the init ends
 *   exec.fifo   present between create and start
 * Status is derived from these and /proc, so any command rebuilds its view from disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, invalidArgument, notFound } from '../errors.js';
import { readJson, writeJsonAtomic } from '../sys/atomicWrite.js';
import type { CgroupLayout } from './cgroups/detectCgroupLayout.js';
import { isZombie, processAlive, processStartTime } from '../sys/procAlive.js';

export type Status = 'creating' | 'created' | 'running' | 'stopped';

export interface StoredState {
  id: string;
  bundle: string;
  pid: number;
  /** /proc/PID/stat start time, to tell our process from a reused pid. */
  pidStart?: string;
  monitorPid: number;
  created: string;
  rootfs: string;
  cgroupPath?: string;
  /** The hierarchies the cgroup was made in (the host may mount or unmount some later). */
  cgroupLayout?: CgroupLayout;
  annotations?: Record<string, string>;
}

/**
 * Written by the monitor when the init ends; by berth itself (`monitorLost`) when it ended a
 * container whose monitor had died (its exit status is then unknown: 137).
 */
export interface ExitRecord { pid: number; exitCode: number; signal: number; finishedAt: string; restartCount?: number; restarting?: boolean; monitorLost?: boolean }

/** Written by the monitor at every (re)start of the init; pidStart is /proc/PID/stat field 22 (absent from older monitors). */
export interface InitRecord { pid: number; pidStart?: string; restartCount: number; startedAt: string }

/** The OCI state JSON (runtime spec, "State"). */
export interface OciState {
  ociVersion: string;
  id: string;
  status: Status;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export const OCI_VERSION = '1.2.0';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

export function validateId(id: string): string {
  if (!ID_RE.test(id)) throw invalidArgument(`invalid container id \`${id}\`: use letters, digits, _ . + - (at most 128)`);
  return id;
}

export class StateDir {
  readonly dir: string;
  constructor(readonly root: string, readonly id: string) {
    this.dir = path.join(root, validateId(id));
  }
  get stateFile() { return path.join(this.dir, 'state.json'); }
  get exitFile() { return path.join(this.dir, 'exit.json'); }
  get fifo() { return path.join(this.dir, 'exec.fifo'); }
  get planFile() { return path.join(this.dir, 'plan'); }
  get hookStateFile() { return path.join(this.dir, 'hookstate.json'); }

  exists(): boolean {
    return fs.existsSync(this.dir);
  }

  get initFile() { return path.join(this.dir, 'init.json'); }

  /** The stored state, with the pid of the current init when the monitor has restarted it. */
  read(): StoredState | undefined {
    try {
      const s = readJson<StoredState>(this.stateFile);
      const init = this.init();
      if (init && init.pid !== s.pid) return { ...s, pid: init.pid, pidStart: init.pidStart || processStartTime(init.pid) };
      return s;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Not fsynced: it describes a live process (runc keeps its state on tmpfs). */
  write(s: StoredState): void {
    writeJsonAtomic(this.stateFile, s, false);
  }

  init(): InitRecord | undefined {
    try {
      return readJson<InitRecord>(this.initFile);
    } catch {
      return undefined;
    }
  }

  exit(): ExitRecord | undefined {
    try {
      return readJson<ExitRecord>(this.exitFile);
    } catch {
      return undefined;
    }
  }

  status(s = this.read()): Status {
    if (!s) return 'creating';
    if (fs.existsSync(this.exitFile) && !this.restartedSinceExit(s)) return 'stopped';
    if (!processAlive(s.pid, s.pidStart) || isZombie(s.pid)) return 'stopped';
    return fs.existsSync(this.fifo) ? 'created' : 'running';
  }

  /** exit.json is the last run's; after a restart by the monitor the current init is another pid. */
  private restartedSinceExit(s: StoredState): boolean {
    try {
      const exit = readJson<{ pid?: number }>(this.exitFile);
      return exit.pid !== undefined && exit.pid !== s.pid;
    } catch {
      return false;
    }
  }

  ociState(): OciState {
    const s = this.read();
    if (!s) return { ociVersion: OCI_VERSION, id: this.id, status: 'creating', bundle: '' };
    const status = this.status(s);
    const out: OciState = { ociVersion: OCI_VERSION, id: this.id, status, bundle: s.bundle };
    if (status !== 'stopped') out.pid = s.pid;
    if (s.annotations && Object.keys(s.annotations).length) out.annotations = s.annotations;
    return out;
  }

  /** The state poststart hooks get: running, with the init's pid even if it has already exited. */
  poststartState(): OciState {
    const s = this.read();
    return { ...this.ociState(), status: 'running', ...(s ? { pid: s.pid } : {}) };
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An existing container's state directory, or NotFound. */
export function openState(root: string, id: string): StateDir {
  const sd = new StateDir(root, id);
  if (!sd.exists()) throw notFound(`container \`${id}\` does not exist`);
  return sd;
}

export function listIds(root: string): string[] {
  try {
    return fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && ID_RE.test(e.name)).map((e) => e.name).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
}

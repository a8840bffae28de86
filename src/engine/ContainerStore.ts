/**
 * Container records on disk:
 *   <root>/containers/<id>/container.json   the record (atomic writes)
 *   <root>/containers/<id>/config.json      the OCI spec handed to the runtime (the bundle)
 *   <root>/containers/<id>/<id>-json.log    logs, written by the monitor
 *   <root>/names/<name>                     name reservation: {id, pid, start} (O_EXCL create)
 *   <root>/locks/<id>.lock                  per-container lock (link(2)-based, broken when its owner died)
 *   <root>/runtime/<id>/                    the runtime's state (pid, exit.json)
 */
import fs from 'node:fs';
import path from 'node:path';
import { conflict, errnoCode, failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { readJson, writeJsonAtomic } from '../sys/atomicWrite.js';
import { processAlive, processStartTime } from '../sys/procAlive.js';
import { withLock, withLockSync } from '../image/lock.js';
import type { ContainerRecord } from './types.js';

/** A container directory whose record cannot be read (truncated by a disk fault, say): reported, never hidden. */
export interface DamagedRecord { id: string; file: string; error: string }

export const isDamaged = (r: ContainerRecord | DamagedRecord): r is DamagedRecord => !('Config' in r);

const ID_RE = /^[a-f0-9]{64}$/;

export class ContainerStore {
  readonly containersDir: string;
  readonly namesDir: string;
  readonly locksDir: string;
  readonly runtimeRoot: string;
  readonly volumesDir: string;

  constructor(readonly root: string) {
    this.containersDir = path.join(root, 'containers');
    this.namesDir = path.join(root, 'names');
    this.locksDir = path.join(root, 'locks');
    this.runtimeRoot = path.join(root, 'runtime');
    this.volumesDir = path.join(root, 'volumes');
  }

  init(): this {
    for (const d of [this.containersDir, this.namesDir, this.locksDir]) fs.mkdirSync(d, { recursive: true, mode: 0o711 });
    return this;
  }

  dir(id: string): string {
    return path.join(this.containersDir, id);
  }
  recordFile(id: string): string {
    return path.join(this.dir(id), 'container.json');
  }
  logPath(id: string): string {
    return path.join(this.dir(id), `${id}-json.log`);
  }

  /** The record; undefined when it is missing or damaged (readEntry tells which). */
  read(id: string): ContainerRecord | undefined {
    const r = this.readEntry(id);
    return r && !isDamaged(r) ? r : undefined;
  }

  /**
   * The record, what is wrong with it, or undefined when there is no such container. A directory
   * whose record is missing counts as damaged (createDir never makes one; only an outside fault does).
   */
  readEntry(id: string): ContainerRecord | DamagedRecord | undefined {
    const file = this.recordFile(id);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') return { id, file, error: (e as Error).message };
      return fs.existsSync(this.dir(id)) ? { id, file, error: 'the record is missing' } : undefined;
    }
    try {
      const r = JSON.parse(text) as ContainerRecord;
      if (r === null || typeof r !== 'object' || r.Id !== id || typeof r.Config !== 'object' || r.Config === null || typeof r.HostConfig !== 'object' || r.HostConfig === null || typeof r.State !== 'object' || r.State === null) {
        return { id, file, error: 'not a container record' };
      }
      return r;
    } catch (e) {
      return { id, file, error: (e as Error).message };
    }
  }

  write(rec: ContainerRecord): void {
    writeJsonAtomic(this.recordFile(rec.Id), rec);
  }

  /**
   * A new container's directory, with its record already inside: made under a temporary name
   * and renamed, so a CLI killed half-way never leaves a directory without a record (which no
   * `ps` would list and no `rm` could find). Leftover temporary ones are swept by `sweepTemp`.
   */
  createDir(rec: ContainerRecord): void {
    const tmp = path.join(this.containersDir, `.new-${rec.Id}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { mode: 0o710 });
    writeJsonAtomic(path.join(tmp, 'container.json'), rec);
    fs.renameSync(tmp, this.dir(rec.Id));
  }

  /** Remove `.new-*` directories of creates killed over a minute ago (a create in flight is younger). */
  sweepTemp(now = Date.now()): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.containersDir).filter((n) => n.startsWith('.new-'));
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(this.containersDir, n);
      try {
        if (now - fs.statSync(p).mtimeMs > 60_000) fs.rmSync(p, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
    }
  }

  private ids(): string[] {
    try {
      return fs.readdirSync(this.containersDir).filter((n) => ID_RE.test(n));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
  }

  /** Every readable record, oldest first. */
  list(): ContainerRecord[] {
    return this.scan().records;
  }

  /** Every container directory: the readable records (oldest first) and the damaged ones. */
  scan(): { records: ContainerRecord[]; damaged: DamagedRecord[] } {
    const records: ContainerRecord[] = [];
    const damaged: DamagedRecord[] = [];
    for (const id of this.ids()) {
      const r = this.readEntry(id);
      if (r) (isDamaged(r) ? damaged : records).push(r as never);
    }
    records.sort((a, b) => (a.Created < b.Created ? -1 : a.Created > b.Created ? 1 : 0));
    return { records, damaged };
  }

  /** Full ID, name (with or without `/`), or unique ID prefix; Docker's messages. A damaged record is an error naming its file. */
  find(ref: string): ContainerRecord {
    const r = this.findEntry(ref);
    if (isDamaged(r)) throw damagedError(r);
    return r;
  }

  /** Like find, but a damaged record is returned (for `rm -f`) rather than refused. */
  findEntry(ref: string): ContainerRecord | DamagedRecord {
    if (!ref) throw invalidArgument('container name or ID cannot be empty');
    if (ID_RE.test(ref)) {
      const r = this.readEntry(ref);
      if (r) return r;
    }
    const name = ref.replace(/^\//, '');
    const owner = this.nameOwner(name);
    if (owner && ID_RE.test(owner)) {
      const r = this.readEntry(owner);
      if (r) return r;
    }
    if (/^[a-f0-9]+$/.test(ref)) {
      const ids = this.ids().filter((n) => n.startsWith(ref));
      const recs = ids.map((i) => this.readEntry(i)).filter((r): r is ContainerRecord | DamagedRecord => !!r);
      if (recs.length === 1) return recs[0];
      if (recs.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
    }
    throw notFound(`No such container: ${ref}`, { code: 'container.notFound' });
  }

  // ---- names ------------------------------------------------------------------

  private nameFile(name: string): string {
    return path.join(this.namesDir, name);
  }

  nameOwner(name: string): string | undefined {
    try {
      return (JSON.parse(fs.readFileSync(this.nameFile(name), 'utf8')) as { id: string }).id;
    } catch {
      return undefined;
    }
  }

  /**
   * Reserve `name` for `id` (O_EXCL). A reservation whose container has no record and whose
   * creator is dead (SIGKILL mid-create) is stale and taken over.
   */
  reserveName(name: string, id: string): boolean {
    const file = this.nameFile(name);
    const body = JSON.stringify({ id, pid: process.pid, start: processStartTime(process.pid) });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(file, body, { flag: 'wx' });
        return true;
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
      }
      if (!this.staleName(name)) return false;
      fs.rmSync(file, { force: true });
    }
    return false;
  }

  private staleName(name: string): boolean {
    let held: { id: string; pid: number; start?: string };
    try {
      held = JSON.parse(fs.readFileSync(this.nameFile(name), 'utf8'));
    } catch {
      return false;
    }
    if (this.read(held.id)) return false;
    // No record: stale only once its creator is gone (a live creator is still writing it).
    return !processAlive(held.pid, held.start);
  }

  /** Every name reserved for `id` (a damaged record no longer says which is its own). */
  namesOf(id: string): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.namesDir);
    } catch {
      return [];
    }
    return names.filter((n) => this.nameOwner(n) === id);
  }

  /** Reservations left by creates killed before their record was in place (their creator is gone). */
  staleNames(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.namesDir);
    } catch {
      return [];
    }
    return names.filter((n) => {
      const owner = this.nameOwner(n);
      return owner !== undefined && !fs.existsSync(this.dir(owner)) && this.staleName(n);
    });
  }

  releaseName(name: string, id: string): void {
    if (this.nameOwner(name) === id) fs.rmSync(this.nameFile(name), { force: true });
  }

  claimName(name: string, id: string): void {
    if (!this.reserveName(name, id)) {
      const other = this.nameOwner(name) ?? '';
      throw conflict(`Conflict. The container name "/${name}" is already in use by container "${other}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
  }

  // ---- locking ----------------------------------------------------------------

  lockFile(id: string): string {
    return path.join(this.locksDir, `${id}.lock`);
  }

  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    fs.mkdirSync(this.locksDir, { recursive: true });
    return withLock(this.lockFile(id), fn, `container ${id.slice(0, 12)}`);
  }

  withLockSync<T>(id: string, fn: () => T): T {
    fs.mkdirSync(this.locksDir, { recursive: true });
    return withLockSync(this.lockFile(id), fn, `container ${id.slice(0, 12)}`);
  }

  /** Update the record under its lock: read fresh, change, write. */
  update(id: string, fn: (r: ContainerRecord) => void): ContainerRecord | undefined {
    return this.withLockSync(id, () => {
      const r = this.read(id);
      if (!r) return undefined;
      fn(r);
      this.write(r);
      return r;
    });
  }
}

export function damagedError(d: DamagedRecord): Error {
  return failedPrecondition(`container ${d.id}: its record \`${d.file}\` is damaged: ${d.error}`, {
    code: 'container.damaged', hint: `remove it with \`berth rm -f ${d.id.slice(0, 12)}\``,
  });
}

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
import { conflict, errnoCode, invalidArgument, notFound } from '../errors.js';
import { readJson, writeJsonAtomic } from '../sys/atomicWrite.js';
import { processAlive, processStartTime } from '../sys/procAlive.js';
import { withLock, withLockSync } from '../image/lock.js';
import type { ContainerRecord } from './types.js';

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

  read(id: string): ContainerRecord | undefined {
    try {
      return readJson<ContainerRecord>(this.recordFile(id));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || e instanceof SyntaxError) return undefined;
      throw e;
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

  /** Every readable record, oldest first. */
  list(): ContainerRecord[] {
    let ids: string[];
    try {
      ids = fs.readdirSync(this.containersDir).filter((n) => /^[a-f0-9]{64}$/.test(n));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw e;
    }
    const out: ContainerRecord[] = [];
    for (const id of ids) {
      const r = this.read(id);
      if (r) out.push(r);
    }
    return out.sort((a, b) => (a.Created < b.Created ? -1 : a.Created > b.Created ? 1 : 0));
  }

  /** Full ID, name (with or without `/`), or unique ID prefix; Docker's messages. */
  find(ref: string): ContainerRecord {
    if (!ref) throw invalidArgument('container name or ID cannot be empty');
    if (/^[a-f0-9]{64}$/.test(ref)) {
      const r = this.read(ref);
      if (r) return r;
    }
    const name = ref.replace(/^\//, '');
    const owner = this.nameOwner(name);
    if (owner) {
      const r = this.read(owner);
      if (r) return r;
    }
    if (/^[a-f0-9]+$/.test(ref)) {
      let ids: string[] = [];
      try {
        ids = fs.readdirSync(this.containersDir).filter((n) => n.startsWith(ref) && /^[a-f0-9]{64}$/.test(n));
      } catch { /* none */ }
      const recs = ids.map((i) => this.read(i)).filter((r): r is ContainerRecord => !!r);
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

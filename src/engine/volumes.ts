/**
 * Named volumes: `<root>/volumes/<name>/_data` plus `volume.json`. A volume mounted for
 * the first time on a path that holds image content is seeded with it (Docker's copy-up).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { conflict, errnoCode, invalidArgument, notFound } from '../errors.js';
import { readJson, writeJsonAtomic } from '../sys/atomicWrite.js';
import type { ContainerStore } from './ContainerStore.js';
import { recordEvent } from './eventLog.js';

export interface Volume {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  /** Created for an image VOLUME or `-v /path`: removed by `rm -v`. */
  Anonymous?: boolean;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class VolumeStore {
  readonly dir: string;
  constructor(readonly root: string) {
    this.dir = path.join(root, 'volumes');
  }

  private meta(name: string): string {
    return path.join(this.dir, name, 'volume.json');
  }

  get(name: string): Volume | undefined {
    try {
      const v = readJson<Volume>(this.meta(name));
      return { ...v, CreatedAt: rfc3339Seconds(v.CreatedAt) };
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  inspect(name: string): Volume {
    const v = this.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`, { exitCode: 1 });
    return v;
  }

  /** Create (or return the existing) volume; a name is generated when none is given. */
  create(name?: string, labels: Record<string, string> = {}, anonymous = false): { volume: Volume; created: boolean } {
    const n = name || crypto.randomBytes(32).toString('hex');
    if (!NAME_RE.test(n)) throw invalidArgument(`create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
    const existing = this.get(n);
    if (existing) return { volume: existing, created: false };
    const vdir = path.join(this.dir, n);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o701 });
    try {
      fs.mkdirSync(vdir, { mode: 0o701 });
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      const again = this.get(n);
      if (again) return { volume: again, created: false };
    }
    fs.mkdirSync(path.join(vdir, '_data'), { recursive: true, mode: 0o755 });
    const volume: Volume = {
      CreatedAt: rfc3339Seconds(new Date().toISOString()), Driver: 'local', Labels: Object.keys(labels).length ? labels : null,
      Mountpoint: path.join(vdir, '_data'), Name: n, Options: null, Scope: 'local', ...(anonymous ? { Anonymous: true } : {}),
    };
    writeJsonAtomic(this.meta(n), volume);
    recordEvent(this.root, 'volume', 'create', n, { driver: 'local' });
    return { volume, created: true };
  }

  list(): Volume[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => NAME_RE.test(n)).map((n) => this.get(n)).filter((v): v is Volume => !!v).sort((a, b) => (a.Name < b.Name ? -1 : 1));
  }

  /** Container IDs whose records mount the volume. */
  users(name: string, containers: ContainerStore): string[] {
    return containers.list().filter((c) => c.Mounts.some((m) => m.Type === 'volume' && m.Name === name)).map((c) => c.Id);
  }

  remove(name: string, containers: ContainerStore, force = false): void {
    if (!this.get(name)) {
      if (force) return;
      throw notFound(`get ${name}: no such volume`, { exitCode: 1 });
    }
    const users = this.users(name, containers);
    if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`, { exitCode: 1 });
    this.removeDir(name);
  }

  /** Remove without the in-use check (rm -v of the container that owns it). */
  removeDir(name: string): void {
    const vdir = path.join(this.dir, name);
    const trash = path.join(this.dir, `.rm-${name}-${process.pid}`);
    try {
      fs.renameSync(vdir, trash);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw e;
    }
    fs.rmSync(trash, { recursive: true, force: true });
    recordEvent(this.root, 'volume', 'destroy', name, { driver: 'local' });
  }

  isEmpty(name: string): boolean {
    return fs.readdirSync(path.join(this.dir, name, '_data')).length === 0;
  }
}

/** Docker's volume CreatedAt: RFC 3339 in seconds with the zone (`2026-12-06T21:30:04Z`); older records carried milliseconds. */
export function rfc3339Seconds(iso: string): string {
  return iso.replace(/\.\d+(Z|[+-]\d\d:\d\d)$/, '$1');
}

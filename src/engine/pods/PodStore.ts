/**
 * Pods on disk: `<root>/pods/<id>.json`, one record per pod (written atomically), and a name
 * claim `<root>/pods/names/<name>` holding the ID (made with O_EXCL, so two creates of one
 * name cannot both win). Docker-style lookup: full ID, unique ID prefix, or name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { alreadyExists, invalidArgument, notFound } from '../../errors.js';
import { createFileOnce, writeJsonAtomic } from '../../sys/atomicWrite.js';

/** The namespaces a pod's containers can share (podman's words). */
export type PodShare = 'net' | 'ipc' | 'uts' | 'pid';
export const DEFAULT_SHARE: PodShare[] = ['net', 'ipc', 'uts'];

export interface PodRecord {
  Id: string;
  Name: string;
  Created: string;
  Labels: Record<string, string>;
  Hostname: string;
  /** Shared through the infra container; empty without one. */
  SharedNamespaces: PodShare[];
  /** The pause container holding the namespaces and the published ports; absent with `--infra=false`. */
  InfraContainerId?: string;
  /** `--network` of the infra (its containers join it). */
  Network: string;
  /** `--add-host host:ip` of the infra (its /etc/hosts, which the pod's containers share). */
  AddHost?: string[];
  /** `-p` requests, published by the infra. */
  Publish: string[];
  /** Pod-level limits on the pod cgroup (bytes; CPUs × 1e9). */
  Memory: number;
  NanoCpus: number;
  /** The pod cgroup (relative to each hierarchy, under berth's subtree); its containers' cgroups live below it. */
  CgroupParent: string;
}

export class PodStore {
  readonly dir: string;
  constructor(readonly root: string) {
    this.dir = path.join(root, 'pods');
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private nameFile(name: string): string {
    return path.join(this.dir, 'names', name);
  }

  list(): PodRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n));
    } catch {
      return [];
    }
    const out: PodRecord[] = [];
    for (const n of names) {
      const r = this.read(n.slice(0, -5));
      if (r) out.push(r);
    }
    return out.sort((a, b) => (a.Created < b.Created ? 1 : a.Created > b.Created ? -1 : 0));
  }

  read(id: string): PodRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(id), 'utf8')) as PodRecord;
    } catch {
      return undefined;
    }
  }

  write(p: PodRecord): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeJsonAtomic(this.file(p.Id), p);
  }

  /** Claim `name` for `id`; AlreadyExists when another pod has it. */
  claimName(name: string, id: string): void {
    fs.mkdirSync(path.join(this.dir, 'names'), { recursive: true, mode: 0o700 });
    const owner = this.nameOwner(name);
    if (owner && !this.read(owner) && owner !== id) fs.rmSync(this.nameFile(name), { force: true }); // a create that died before its record
    if (createFileOnce(this.nameFile(name), id, 0o600).trim() !== id) {
      throw alreadyExists(`pod name "${name}" is in use by pod ${this.nameOwner(name) ?? '?'}`, { hint: 'remove that pod or choose another name' });
    }
  }

  private nameOwner(name: string): string | undefined {
    try {
      return fs.readFileSync(this.nameFile(name), 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  remove(p: PodRecord): void {
    fs.rmSync(path.join(this.dir, 'kube-volumes', p.Id), { recursive: true, force: true }); // kube play's configMap/secret volume files
    fs.rmSync(this.file(p.Id), { force: true });
    if (this.nameOwner(p.Name) === p.Id) fs.rmSync(this.nameFile(p.Name), { force: true });
  }

  find(ref: string): PodRecord {
    if (!ref) throw invalidArgument('a pod name or ID is required');
    const all = this.list();
    const byName = all.find((p) => p.Name === ref);
    if (byName) return byName;
    const exact = all.find((p) => p.Id === ref);
    if (exact) return exact;
    const pre = /^[0-9a-f]+$/.test(ref) ? all.filter((p) => p.Id.startsWith(ref)) : [];
    if (pre.length === 1) return pre[0];
    if (pre.length > 1) throw invalidArgument(`more than one pod matches ${ref}: use more of the ID`);
    throw notFound(`no such pod: ${ref}`);
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { notFound, invalidArgument } from '../errors.js';

/** The fields of `<root>/containers/<id>/container.json` the image store reads. */
export interface ContainerRef {
  Id: string;
  Name?: string;
  Image?: string;
  /** Snapshot key; defaults to the container Id. */
  SnapshotKey?: string;
  State?: { Running?: boolean; Status?: string };
}

/** Every container record (unreadable ones are skipped: the engine may be writing). */
export function listContainers(root: string): ContainerRef[] {
  const dir = path.join(root, 'containers');
  if (!fs.existsSync(dir)) return [];
  const out: ContainerRef[] = [];
  for (const id of fs.readdirSync(dir)) {
    try {
      const c = JSON.parse(fs.readFileSync(path.join(dir, id, 'container.json'), 'utf8')) as ContainerRef;
      if (c && typeof c.Id === 'string') out.push(c);
    } catch {
      /* not a container dir, or being written */
    }
  }
  return out;
}

/** Find a container by full ID, name (with or without leading /) or unique ID prefix. */
export function findContainer(root: string, ref: string): ContainerRef {
  const all = listContainers(root);
  const name = ref.replace(/^\//, '');
  const exact = all.find((c) => c.Id === ref || (c.Name ?? '').replace(/^\//, '') === name);
  if (exact) return exact;
  const pre = /^[a-f0-9]+$/.test(ref) ? all.filter((c) => c.Id.startsWith(ref)) : [];
  if (pre.length === 1) return pre[0];
  if (pre.length > 1) throw invalidArgument(`multiple containers found with provided prefix: ${ref}`);
  throw notFound(`No such container: ${ref}`);
}

export function isRunning(c: ContainerRef): boolean {
  return c.State?.Running === true || c.State?.Status === 'running';
}

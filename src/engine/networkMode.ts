/** A container's network as its record says: the mode of `--network`, the network's name, its files. */
import path from 'node:path';
import { invalidArgument } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord } from './types.js';

export type NetMode = 'none' | 'host' | 'network' | 'container';

/** Docker's NetworkMode "default" (and no flag at all) is the `bridge` network. */
export function networkNameOf(rec: ContainerRecord): string {
  const m = rec.HostConfig.NetworkMode;
  return !m || m === 'default' ? 'bridge' : m;
}

export function netModeOf(rec: ContainerRecord): NetMode {
  const m = networkNameOf(rec);
  if (m === 'none') return 'none';
  if (m === 'host') return 'host';
  if (m.startsWith('container:')) {
    if (m.length === 'container:'.length) throw invalidArgument(`invalid network mode ${m}: container name or id is missing`);
    return 'container';
  }
  return 'network';
}

export function networkFile(store: ContainerStore, id: string): string {
  return path.join(store.dir(id), 'network.json');
}

/** The persistent netns of a bridged container. */
export function netnsFile(store: ContainerStore, id: string): string {
  return path.join(store.root, 'netns', id);
}

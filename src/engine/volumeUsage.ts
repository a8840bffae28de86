/** `system df`'s Local Volumes figures: each volume's size (its `_data` tree) and how many containers mount it. */
import { treeBytes } from '../sys/treeBytes.js';
import { ContainerStore } from './ContainerStore.js';
import { VolumeStore } from './volumes.js';

export interface VolumeUsage {
  name: string;
  /** Bytes of the regular files under `_data` (hard links counted once), as dockerd's directory.Size. */
  size: number;
  /** Containers (running or not) whose records mount it: Docker's RefCount, the LINKS column. */
  links: number;
}

/** Every volume under `root`, with its size and link count; ordered by name. */
export function volumeUsage(root: string): VolumeUsage[] {
  const links = new Map<string, number>();
  for (const c of new ContainerStore(root).list()) {
    for (const name of new Set(c.Mounts.filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!))) links.set(name, (links.get(name) ?? 0) + 1);
  }
  return new VolumeStore(root).list().map((v) => ({ name: v.Name, size: treeBytes(v.Mountpoint), links: links.get(v.Name) ?? 0 }));
}

/**
 * A container's files as berth reads them: through the helper (src/sys/rootFs.ts), which
 * resolves every path inside the container's root — a running container's /proc/PID/root,
 * else its snapshot's overlay, mounted by the helper for itself so whiteouts and opaque
 * directories are the kernel's. Symlinks in the image or made by the container can never
 * lead a lookup onto the host.
 */
import { ImageStore } from '../image/ImageStore.js';
import { Snapshotter } from '../image/Snapshotter.js';
import { readInRoot, type FsRoot } from '../sys/rootFs.js';
import type { ContainerStore } from './ContainerStore.js';
import { liveState } from './containerState.js';
import type { ContainerRecord } from './types.js';

/** A snapshot's root as the container sees it (read-only unless `writable`). */
export function snapshotRoot(images: ImageStore, key: string, writable = false): FsRoot {
  return { overlay: new Snapshotter(images).viewOptions(key, writable) };
}

/** A container's whole root: the running one's, else its snapshot's. */
export function containerRoot(store: ContainerStore, rec: ContainerRecord, writable = false): FsRoot {
  const st = liveState(store, rec);
  if (st.Running) return { dir: `/proc/${st.Pid}/root` };
  return snapshotRoot(new ImageStore(store.root), rec.SnapshotKey, writable);
}

/** /etc/passwd and /etc/group inside `root` (each undefined when missing or not a regular file), for `-u`. */
export function userFiles(root: FsRoot): [string | undefined, string | undefined] {
  const [passwd, group] = readInRoot(root, ['/etc/passwd', '/etc/group']);
  return [passwd, group];
}

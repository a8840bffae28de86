/**
 * `--volumes-from CONTAINER[:ro|rw]`: the other container's volume and bind mounts, at the
 * same destinations, read-only with `:ro`, read-write with `:rw`, else as they are there.
 * The copies are never this container's anonymous volumes (`rm -v` here leaves them). A
 * mount of this container's own (-v, --mount) at a destination wins; an image VOLUME does not.
 */
import { invalidArgument } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord } from './types.js';

export function addVolumesFrom(store: ContainerStore, rec: ContainerRecord, specs: readonly string[]): void {
  for (const spec of specs) {
    const [ref, mode, extra] = spec.split(':');
    if (!ref || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) throw invalidArgument(`invalid mode: ${mode ?? spec}`);
    const from = store.find(ref);
    if (from.Id === rec.Id) throw invalidArgument('cannot mount volumes of the container itself');
    for (const m of from.Mounts) {
      if (m.Type === 'tmpfs' || !m.Source) continue;
      const at = rec.Mounts.findIndex((x) => x.Destination === m.Destination);
      if (at >= 0 && !(rec.Mounts[at].Anonymous && !rec.Mounts[at].Source)) continue;
      const copy = { ...m, RW: mode === undefined ? m.RW : mode === 'rw', Mode: mode ?? m.Mode, Anonymous: undefined };
      if (at >= 0) rec.Mounts[at] = copy;
      else rec.Mounts.push(copy);
    }
  }
  rec.HostConfig.VolumesFrom = [...specs];
}

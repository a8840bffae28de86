/** `rename`: claim the new name (O_EXCL), update the record, release the old one. */
import { invalidArgument } from '../errors.js';
import type { ContainerStore } from './ContainerStore.js';
import { containerEvent } from './containerEvents.js';
import { validateName } from './names.js';

export function renameContainer(store: ContainerStore, ref: string, newName: string): void {
  const found = store.find(ref);
  const name = validateName(newName);
  const old = found.Name.replace(/^\//, '');
  if (name === old) throw invalidArgument('Renaming a container with the same name as its current name');
  store.withLockSync(found.Id, () => {
    store.claimName(name, found.Id);
    const rec = store.read(found.Id);
    if (!rec) return;
    rec.Name = `/${name}`;
    store.write(rec);
    store.releaseName(old, found.Id);
    containerEvent(store, rec, 'rename', { oldName: `/${old}` });
  });
}

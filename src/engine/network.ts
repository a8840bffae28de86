/**
 * The one call site for container networking, run between the init's creation and
 * its exec (createContainer's beforeStart). `--network none` (and, until the network
 * engine is wired here, every mode) leaves the container with loopback only.
 */
import type { ContainerStore } from './ContainerStore.js';
import type { ContainerRecord } from './types.js';

export async function setupNetwork(_store: ContainerStore, _rec: ContainerRecord, _pid: number): Promise<void> {
  // Wiring point for src/network attachContainer({ netnsPath: `/proc/${pid}/ns/net`, ... }).
}

import type { Command } from 'commander';
import { runtimeRoot } from './runtimeRoot.js';

export function registerState(rt: Command): void {
  rt.command('state').description('print the state of a container (runc\'s state JSON: the OCI state plus rootfs, created, owner)').argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { openState } = await import('../../runtime/state.js');
      const { runcState } = await import('../../runtime/runcShapes.js');
      const sd = openState(runtimeRoot(cmd), id);
      const stored = sd.read();
      const oci = sd.ociState();
      let frozen = false;
      if (stored?.cgroupPath && oci.status === 'running') {
        const { containerCgroup } = await import('../../runtime/hostCgroupLayout.js');
        frozen = containerCgroup(stored)?.isFrozen() ?? false;
      }
      process.stdout.write(JSON.stringify(runcState(oci, stored, frozen), null, 2) + '\n');
    });
}

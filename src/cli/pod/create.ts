import type { Command } from 'commander';
import { collect, storeOf } from '../container/common.js';

/** `pod create [--name N] [-p ...] [--network N] [--share net,ipc,uts[,pid]] [--label k=v] [--infra=false] [--memory M] [--cpus C]`: prints the pod ID. */
export function addPodCreateCommand(pod: Command): Command {
  return pod.command('create').description('Create a new, empty pod')
    .option('--name <string>', 'Assign a name to the pod')
    .option('--hostname <string>', "The pod's hostname (default: its name)")
    .option('-p, --publish <list>', "Publish a port of the pod's network to the host", collect, [])
    .option('--add-host <host:ip>', "Add a line to the pod's /etc/hosts (shared by its containers)", collect, [])
    .option('--network <network>', "The infra container's network (the pod's)")
    .option('--share <namespaces>', 'Namespaces the containers share: net,ipc,uts[,pid]')
    .option('-l, --label <list>', 'Set metadata on the pod', collect, [])
    .option('--infra [bool]', 'Create an infra container holding the shared namespaces (default true)')
    .option('-m, --memory <bytes>', 'Memory limit of the whole pod')
    .option('--cpus <decimal>', 'CPUs of the whole pod')
    .action(async (o: { name?: string; hostname?: string; publish: string[]; addHost: string[]; network?: string; share?: string; label: string[]; infra?: string | boolean; memory?: string; cpus?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { createPod } = await import('../../engine/pods/createPod.js');
      const infra = o.infra === undefined || o.infra === true || o.infra === 'true';
      if (o.infra !== undefined && o.infra !== true && o.infra !== 'true' && o.infra !== 'false') throw (await import('../../errors.js')).invalidArgument(`--infra: invalid boolean "${o.infra}"`);
      const p = await createPod(store, { name: o.name, hostname: o.hostname, publish: o.publish, addHost: o.addHost, network: o.network, share: o.share, labels: o.label, infra, memory: o.memory, cpus: o.cpus });
      process.stdout.write(`${p.Id}\n`);
    });
}

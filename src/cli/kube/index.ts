/** `berth kube generate|play|down`: Kubernetes YAML from and to berth pods (src/kube/). */
import fs from 'node:fs';
import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { exit1, pullFirst, storeOf } from '../container/common.js';

function readInput(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw invalidArgument(`kube: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function registerKubeCommands(program: Command): void {
  const kube = program.command('kube').description('Generate Kubernetes YAML from pods and containers, and play it as pods');
  kube.command('generate').description('Kubernetes YAML of containers or pods')
    .argument('<container|pod|project...>')
    .option('-t, --type <type>', 'pod or deployment', 'pod')
    .option('-s, --service', 'Also a Service (NodePort) for the published ports')
    .option('-r, --replicas <n>', 'Replicas of a deployment')
    .option('-f, --filename <file>', 'Write the YAML to this file')
    .action(exit1(async (refs: string[], o: { type: string; service?: boolean; replicas?: string; filename?: string }, cmd: Command) => {
      if (o.type !== 'pod' && o.type !== 'deployment') throw invalidArgument(`--type: "${o.type}" is not one of pod, deployment`);
      const replicas = o.replicas === undefined ? undefined : Number(o.replicas);
      if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw invalidArgument(`--replicas: "${o.replicas}" is not a whole number`);
      const store = await storeOf(cmd);
      const { generateObjects, toYaml } = await import('../../kube/generateKube.js');
      const objs = refs.flatMap((r) => generateObjects(store, r, { type: o.type as 'pod' | 'deployment', service: o.service, replicas }));
      const text = await toYaml(objs);
      if (o.filename) fs.writeFileSync(o.filename, text);
      else process.stdout.write(text);
    }));
  kube.command('play').description('Run the Pods and Deployments of a Kubernetes YAML file as pods')
    .argument('<file>', 'the YAML file, or - for stdin')
    .option('--replace', 'Remove the pods of the file first')
    .option('--start [bool]', 'Start the pods (default true)')
    .action(exit1(async (file: string, o: { replace?: boolean; start?: string | boolean }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { playKube } = await import('../../kube/playKube.js');
      const r = await playKube(store, readInput(file), { replace: o.replace, start: o.start !== 'false' && o.start !== false, ensureImage: (image) => pullFirst(cmd, image, 'missing') });
      for (const v of r.volumes) process.stdout.write(`Volume:\n${v}\n`);
      for (const p of r.pods) process.stdout.write(`Pod:\n${p.id}\nContainers:\n${p.containers.join('\n')}\n\n`);
      if (!r.pods.length && !r.volumes.length) throw invalidArgument(`kube play: nothing in ${file} could be run${r.skipped.length ? ` (skipped: ${r.skipped.join(', ')})` : ''}`);
    }));
  kube.command('down').description('Remove the pods a Kubernetes YAML file made with kube play')
    .argument('<file>', 'the YAML file, or - for stdin')
    .option('--force', 'Also remove the volumes of its PersistentVolumeClaims')
    .action(exit1(async (file: string, o: { force?: boolean }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { downKube } = await import('../../kube/playKube.js');
      const r = await downKube(store, readInput(file), { volumes: o.force });
      if (r.pods.length) process.stdout.write(`Pods removed:\n${r.pods.join('\n')}\n`);
      if (r.volumes.length) process.stdout.write(`Volumes removed:\n${r.volumes.join('\n')}\n`);
    }));
}

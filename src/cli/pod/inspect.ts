import type { Command } from 'commander';
import { exit1, storeOf } from '../container/common.js';

/** `pod inspect [-f T] POD...`: a JSON array (podman's field names). */
export function addPodInspectCommand(pod: Command): Command {
  return pod.command('inspect').description('Display detailed information on one or more pods')
    .argument('<pod...>')
    .option('-f, --format <string>', 'Format the output using the given Go template')
    .action(exit1(async (refs: string[], o: { format?: string }, cmd: Command) => {
      const store = await storeOf(cmd);
      const { inspectPod } = await import('../../engine/pods/inspectPod.js');
      const out = refs.map((r) => inspectPod(store, r));
      if (o.format) {
        const { renderTemplate } = await import('../format/renderTemplate.js');
        for (const x of out) process.stdout.write(`${renderTemplate(o.format, x)}\n`);
        return;
      }
      process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
    }));
}

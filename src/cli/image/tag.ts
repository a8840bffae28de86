import type { Command } from 'commander';
import { storeFor } from './store.js';

/** `tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`. */
export function addTagCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>', 'SOURCE_IMAGE[:TAG]')
    .argument('<target>', 'TARGET_IMAGE[:TAG]')
    .action((source: string, target: string, _o: unknown, cmd: Command) => {
      storeFor(cmd).tag(source, target);
    });
}

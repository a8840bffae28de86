import type { Command } from 'commander';
import { addExportCommand } from './export.js';
import { addHistoryCommand } from './history.js';
import { addImagesCommand } from './images.js';
import { addImportCommand } from './import.js';
import { addInspectCommand } from './inspect.js';
import { addLoadCommand } from './load.js';
import { addPruneCommand } from './prune.js';
import { addRmiCommand } from './rmi.js';
import { addSaveCommand } from './save.js';
import { addCheckCommand, addDfCommand } from './system.js';
import { addTagCommand } from './tag.js';

/** The `system` group, shared with other verb groups: found or created. */
function systemGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'system') ?? program.command('system').description('Manage berth');
}

/**
 * Image verbs: `images`, `image {ls,inspect,history,tag,rm,prune,import,save,load}`,
 * `history`, `tag`, `rmi`, `import`, `save`, `load`, `export`, `system {df,check}`.
 * (`diff` and `commit` are the container group's; they call ImageStore.diffSnapshot/commitSnapshot.)
 */
export function registerImageCommands(program: Command): void {
  addImagesCommand(program, 'images');
  const image = program.command('image').description('Manage images');
  addImagesCommand(image, 'ls');
  addInspectCommand(image, 'inspect');
  addHistoryCommand(image, 'history');
  addTagCommand(image, 'tag');
  addRmiCommand(image, 'rm');
  addPruneCommand(image, 'prune');
  addImportCommand(image, 'import');
  addSaveCommand(image, 'save');
  addLoadCommand(image, 'load');
  addHistoryCommand(program, 'history');
  addTagCommand(program, 'tag');
  addRmiCommand(program, 'rmi');
  addImportCommand(program, 'import');
  addSaveCommand(program, 'save');
  addLoadCommand(program, 'load');
  addExportCommand(program, 'export');
  const system = systemGroup(program);
  addDfCommand(system);
  addCheckCommand(system);
}

import type { Command } from 'commander';
import { addBuildCommand, addBuilderCommand } from './build.js';
import { addExportCommand } from './export.js';
import { addHistoryCommand } from './history.js';
import { addImagesCommand } from './images.js';
import { addImportCommand } from './import.js';
import { addInspectCommand } from './inspect.js';
import { addLoadCommand } from './load.js';
import { addPruneCommand } from './prune.js';
import { addLoginCommand, addLogoutCommand } from './login.js';
import { addManifestCommands } from './manifest.js';
import { addPullCommand } from './pull.js';
import { addPushCommand } from './push.js';
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
  // Groups load in any order; a verb another group registered first is left to it.
  const add = (parent: Command, name: string, fn: (p: Command, n: string) => Command) => {
    if (!parent.commands.some((c) => c.name() === name)) fn(parent, name);
  };
  add(program, 'images', addImagesCommand);
  const image = program.commands.find((c) => c.name() === 'image') ?? program.command('image').description('Manage images');
  add(image, 'ls', addImagesCommand);
  add(image, 'inspect', addInspectCommand);
  add(image, 'history', addHistoryCommand);
  add(image, 'tag', addTagCommand);
  add(image, 'rm', addRmiCommand);
  add(image, 'prune', addPruneCommand);
  add(image, 'import', addImportCommand);
  add(image, 'save', addSaveCommand);
  add(image, 'load', addLoadCommand);
  add(image, 'pull', addPullCommand);
  add(image, 'push', addPushCommand);
  add(image, 'build', addBuildCommand);
  add(program, 'build', addBuildCommand);
  if (!program.commands.some((c) => c.name() === 'builder')) addBuilderCommand(program);
  add(program, 'history', addHistoryCommand);
  add(program, 'tag', addTagCommand);
  add(program, 'rmi', addRmiCommand);
  add(program, 'import', addImportCommand);
  add(program, 'save', addSaveCommand);
  add(program, 'load', addLoadCommand);
  add(program, 'export', addExportCommand);
  add(program, 'pull', addPullCommand);
  add(program, 'push', addPushCommand);
  add(program, 'login', addLoginCommand);
  if (!program.commands.some((c) => c.name() === 'manifest')) addManifestCommands(program);
  add(program, 'logout', addLogoutCommand);
  const system = systemGroup(program);
  add(system, 'df', (p) => addDfCommand(p));
  add(system, 'check', (p) => addCheckCommand(p));
}

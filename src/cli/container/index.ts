import type { Command } from 'commander';
import { addCreateCommand } from './create.js';
import { addExecCommand } from './exec.js';
import { addInfoCommands } from './info.js';
import { addInspectCommand } from './inspect.js';
import { addKillCommand } from './kill.js';
import { addLogsCommand } from './logs.js';
import { addPauseCommands } from './pause.js';
import { addContainerPruneCommand, addSystemPruneCommand } from './prune.js';
import { addPsCommand } from './ps.js';
import { addRenameCommand } from './rename.js';
import { addRestartCommand } from './restart.js';
import { addRmCommand } from './rm.js';
import { addRunCommand } from './run.js';
import { addStartCommand } from './start.js';
import { addStopCommand } from './stop.js';
import { addVolumeCommands } from './volume.js';
import { addWaitCommand } from './wait.js';

function group(program: Command, name: string, desc: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(desc);
}

/** The everyday verbs, top-level and under `container`; `volume`; `info`, `version`, `system prune`. */
export function registerContainerCommands(program: Command): void {
  const container = group(program, 'container', 'Manage containers');
  for (const parent of [program, container]) {
    addRunCommand(parent);
    addCreateCommand(parent);
    addStartCommand(parent);
    addStopCommand(parent);
    addRestartCommand(parent);
    addKillCommand(parent);
    addWaitCommand(parent);
    addRenameCommand(parent);
    addPauseCommands(parent);
    addLogsCommand(parent);
    addExecCommand(parent);
  }
  addRmCommand(program, 'rm');
  addRmCommand(container, 'rm');
  addPsCommand(program, 'ps');
  addPsCommand(container, 'ls').alias('ps').alias('list');
  addInspectCommand(program, 'inspect', false);
  addInspectCommand(container, 'inspect', true);
  addContainerPruneCommand(container);
  addVolumeCommands(program);
  const system = group(program, 'system', 'Manage berth');
  addSystemPruneCommand(system);
  addInfoCommands(program, system);
}

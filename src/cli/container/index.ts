import type { Command } from 'commander';
import { addCreateCommand } from './create.js';
import { addAttachCommand } from './attach.js';
import { addCommitCommand } from './commit.js';
import { addCpCommand } from './cp.js';
import { addDiffCommand } from './diff.js';
import { addExecCommand } from './exec.js';
import { addPortCommand } from './port.js';
import { addStatsCommand } from './stats.js';
import { addTopCommand } from './top.js';
import { addUpdateCommand } from './update.js';
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
  const verbs: [string, (p: Command) => unknown][] = [
    ['run', addRunCommand], ['create', addCreateCommand], ['start', addStartCommand], ['stop', addStopCommand],
    ['restart', addRestartCommand], ['kill', addKillCommand], ['wait', addWaitCommand], ['rename', addRenameCommand],
    ['pause', addPauseCommands], ['logs', addLogsCommand], ['exec', addExecCommand], ['diff', addDiffCommand],
    ['commit', addCommitCommand], ['top', addTopCommand], ['stats', addStatsCommand], ['update', addUpdateCommand], ['port', addPortCommand], ['attach', addAttachCommand], ['cp', addCpCommand],
  ];
  // Another group may already own a top-level verb (e.g. the image store's `diff`): keep theirs.
  const has = (p: Command, n: string) => p.commands.some((c) => c.name() === n);
  for (const parent of [program, container]) for (const [name, add] of verbs) if (!has(parent, name)) add(parent);
  if (!has(program, 'rm')) addRmCommand(program, 'rm');
  if (!has(container, 'rm')) addRmCommand(container, 'rm');
  if (!has(program, 'ps')) addPsCommand(program, 'ps');
  if (!has(container, 'ls')) addPsCommand(container, 'ls').alias('ps').alias('list');
  if (!has(program, 'inspect')) addInspectCommand(program, 'inspect', false);
  if (!has(container, 'inspect')) addInspectCommand(container, 'inspect', true);
  if (!has(container, 'prune')) addContainerPruneCommand(container);
  if (!has(program, 'volume')) addVolumeCommands(program);
  const system = group(program, 'system', 'Manage berth');
  if (!has(system, 'prune')) addSystemPruneCommand(system);
  if (!has(program, 'info')) addInfoCommands(program, system);
}

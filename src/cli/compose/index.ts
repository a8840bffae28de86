/**
 * `berth compose ...`: docker compose's verbs, in process on the engine (no daemon). Each
 * verb is thin: load the project (src/compose/loadProject.ts), call src/compose's runner.
 */
import type { Command } from 'commander';
import { addComposeOptions } from './options.js';
import { addConfigCommand } from './config.js';
import { addLifecycleCommands } from './lifecycle.js';
import { addServiceCommands } from './verbs.js';

export function registerComposeCommands(program: Command): void {
  const c = addComposeOptions(program.command('compose').description('Define and run multi-container applications')).enablePositionalOptions();
  addConfigCommand(c);
  addLifecycleCommands(c);
  addServiceCommands(c);
}

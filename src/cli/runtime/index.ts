import type { Command } from 'commander';
import { registerCreate } from './create.js';
import { registerDelete } from './delete.js';
import { registerKill } from './kill.js';
import { registerList } from './list.js';
import { registerRun } from './run.js';
import { registerSpec } from './spec.js';
import { registerStart } from './start.js';
import { registerState } from './state.js';
import { registerExec } from './exec.js';
import { registerEvents, registerPauseResume, registerUpdate } from './update.js';

/** `berth runtime ...`: an OCI runtime with runc's command line. */
export function registerRuntime(program: Command): void {
  const rt = program
    .command('runtime')
    .description('OCI runtime with runc\'s command line (create, start, state, kill, delete, run, list, spec, exec, update, pause, resume, events)')
    .option('--root <dir>', 'state directory of the runtime (default: <berth root>/runtime)')
    .enablePositionalOptions();
  for (const register of [registerCreate, registerStart, registerState, registerKill, registerDelete, registerRun, registerList, registerSpec, registerExec, registerUpdate, registerPauseResume, registerEvents]) {
    register(rt);
  }
}

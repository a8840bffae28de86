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
import { registerFeatures, registerPs } from './ps.js';
import { applyRuncGlobals, type RuncGlobals } from './runcLog.js';
import { RUNTIME_VERSION } from './version.js';


/** `berth runtime ...`: an OCI runtime with runc's command line (bin/berth-runtime is this under one name). */
export function registerRuntime(program: Command): void {
  const rt = program
    .command('runtime')
    .description('OCI runtime with runc\'s command line (create, start, state, kill, delete, run, list, spec, exec, update, pause, resume, events, ps, features)')
    .option('--root <dir>', 'state directory of the runtime (default: <berth root>/runtime)')
    .option('--log <file>', 'append the runtime\'s errors to this file (as runc)')
    .option('--log-format <format>', 'text or json (runc\'s log lines)', 'text')
    .option('--systemd-cgroup', 'refused: berth manages cgroups through cgroupfs')
    .option('--debug', 'accepted for runc compatibility')
    .option('--rootless <value>', 'accepted for runc compatibility (true, false, auto)')
    .option('--criu <path>', 'accepted for runc compatibility (checkpoints are not supported)')
    .option('--no-monitor', 'runc\'s process model (bin/berth-runtime): no berth process stays behind a created container, its init goes to the caller\'s subreaper (containerd\'s shim)')
    .version(`berth-runtime version ${RUNTIME_VERSION}\nspec: 1.2.0`, '-v, --version', 'print the version')
    .enablePositionalOptions()
    .hook('preAction', (_rt: Command, action: Command) => applyRuncGlobals(rt.opts() as RuncGlobals, action.name()));
  for (const register of [registerCreate, registerStart, registerState, registerKill, registerDelete, registerRun, registerList, registerSpec, registerExec, registerUpdate, registerPauseResume, registerEvents, registerPs, registerFeatures]) {
    register(rt);
  }
}

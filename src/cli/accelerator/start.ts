import path from 'node:path';
import { projectDir } from '../../sys/paths.js';
import { spawnDetached } from '../../sys/spawnDetached.js';

/**
 * After a cold command that berth-launch ran because no accelerator answered
 * (BERTH_LAUNCHER=none), start one for the next command: `node bin/berth.js --accel-worker`
 * in a session of its own, with this command's environment. BERTH_ACCEL=0 turns it off.
 */
export function startAcceleratorIfWanted(env: NodeJS.ProcessEnv = process.env): void {
  if (env.BERTH_LAUNCHER !== 'none' || env.BERTH_ACCEL === '0') return;
  try {
    const { BERTH_LAUNCHER: _, ...rest } = env;
    spawnDetached(process.execPath, [path.join(projectDir, 'bin', 'berth.js'), '--accel-worker'], { cwd: '/', env: rest });
  } catch { /* the next command tries again */ }
}

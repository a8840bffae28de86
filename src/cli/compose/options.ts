/** The options of `berth compose` itself (before the subcommand), as docker compose has them. */
import type { Command } from 'commander';
import { BerthError, describe } from '../../errors.js';
import type { LoadOptions } from '../../compose/loadProject.js';
import type { Project } from '../../compose/types.js';

export interface ComposeFlags { file: string[]; projectName?: string; projectDirectory?: string; envFile: string[]; profile: string[] }

const collect = (v: string, prev: string[]) => [...prev, v];

export function addComposeOptions(c: Command): Command {
  return c
    .option('-f, --file <file>', 'Compose configuration files', collect, [] as string[])
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Specify an alternate working directory (default: the path of the first Compose file)')
    .option('--env-file <file>', 'Specify an alternate environment file', collect, [] as string[])
    .option('--profile <profile>', 'Specify a profile to enable', collect, [] as string[]);
}

/** The `compose` command's options, from any of its subcommands. */
export function composeFlags(cmd: Command): ComposeFlags {
  for (let c: Command | null = cmd; c; c = c.parent) if (c.name() === 'compose') return c.opts() as ComposeFlags;
  return { file: [], envFile: [], profile: [] };
}

export function loadOptions(cmd: Command, selected: string[] = []): LoadOptions {
  const f = composeFlags(cmd);
  return {
    files: f.file, projectName: f.projectName, projectDirectory: f.projectDirectory, envFiles: f.envFile, profiles: f.profile, selected,
    cwd: process.cwd(), env: process.env, warn: (m) => process.stderr.write(`WARN[0000] ${m}\n`),
  };
}

export async function loadFor(cmd: Command, selected: string[] = []): Promise<Project> {
  const { loadProject } = await import('../../compose/loadProject.js');
  return loadProject(loadOptions(cmd, selected));
}

/**
 * A compose action: errors print as one `berth compose: ...` line; docker compose's exit
 * codes (15 for configuration errors, else 1 unless the error carries its own).
 */
export function action<A extends unknown[]>(fn: (...a: A) => Promise<void>): (...a: A) => Promise<void> {
  return async (...a: A) => {
    try {
      await fn(...a);
    } catch (e) {
      process.stderr.write(`berth compose: ${describe(e)}\n`);
      if (process.env.BERTH_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e instanceof BerthError && e.exitCode !== undefined ? e.exitCode : 1;
    }
  };
}

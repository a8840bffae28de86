/** Shared by the container verbs: the store under --root, Docker's exit code 1 for daemon-side errors. */
import type { Command } from 'commander';
import { BerthError } from '../../errors.js';
import { globalRoot } from '../globals.js';
import type { ContainerStore } from '../../engine/ContainerStore.js';

export async function storeOf(cmd: Command): Promise<ContainerStore> {
  const { ContainerStore } = await import('../../engine/ContainerStore.js');
  return new ContainerStore(globalRoot(cmd));
}

/** Docker's CLI exits 1 when the daemon refuses (no such container, conflict); 125 is for run/create. */
export function exit1<A extends unknown[]>(fn: (...a: A) => Promise<void> | void): (...a: A) => Promise<void> {
  return async (...a: A) => {
    try {
      await fn(...a);
    } catch (e) {
      if (e instanceof BerthError && e.exitCode === undefined) {
        throw new BerthError(e.kind, e.message, { code: e.code, hint: e.hint, cause: e.cause, exitCode: 1 });
      }
      throw e;
    }
  };
}

/**
 * Run `fn` for every ref, printing what it returns (Docker prints the ref as given);
 * errors are printed per ref and the command fails at the end.
 */
export async function forEachRef(refs: string[], fn: (ref: string) => Promise<string | void>): Promise<void> {
  const { describe } = await import('../../errors.js');
  let failed = 0;
  for (const r of refs) {
    try {
      const out = await fn(r);
      if (out !== undefined) process.stdout.write(`${out}\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`berth: ${describe(e)}\n`);
    }
  }
  if (failed) process.exitCode = 1;
}

export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** `run`/`create --pull`: pull first when the policy says so; progress goes to stderr, as Docker's does. */
export async function pullFirst(cmd: Command, image: string, policy: unknown): Promise<void> {
  const { ensureImage, parsePullPolicy } = await import('../../engine/ensureImage.js');
  await ensureImage(globalRoot(cmd), image, parsePullPolicy(policy === undefined ? undefined : String(policy)), {
    report: async () => new (await import('../image/Progress.js')).Progress(process.stderr),
    notice: (s) => process.stderr.write(`${s}\n`),
  });
}

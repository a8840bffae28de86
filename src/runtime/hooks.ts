import type { Hooks } from './spec.js';
import type { OciState } from './state.js';
import { runHook } from '../sys/runHook.js';

export type RuntimeHookPhase = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

/** Run a phase's hooks in order; the first failure stops the phase (and the create). */
export async function runHooks(hooks: Hooks | undefined, phase: RuntimeHookPhase, state: OciState): Promise<void> {
  const json = JSON.stringify(state);
  for (const h of hooks?.[phase] ?? []) await runHook(phase, h, json);
}

/**
 * poststart and poststop: a failing hook is only a warning and the others still run, and so does
 * the lifecycle (runtime spec, "Lifecycle" steps 9 and 12).
 */
export async function runHooksWarn(hooks: Hooks | undefined, phase: RuntimeHookPhase, state: OciState): Promise<void> {
  const json = JSON.stringify(state);
  for (const h of hooks?.[phase] ?? []) {
    try {
      await runHook(phase, h, json);
    } catch (e) {
      process.stderr.write(`berth: warning: ${(e as Error).message}\n`);
    }
  }
}

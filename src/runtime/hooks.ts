import type { Hooks } from './spec.js';
import type { OciState } from './state.js';
import { runHook } from '../sys/runHook.js';

export type RuntimeHookPhase = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

/** Run a phase's hooks in order; the first failure stops the phase. */
export async function runHooks(hooks: Hooks | undefined, phase: RuntimeHookPhase, state: OciState): Promise<void> {
  const json = JSON.stringify(state);
  for (const h of hooks?.[phase] ?? []) await runHook(phase, h, json);
}

/** poststop and poststart failures are only warnings (runtime spec). */
export async function runHooksWarn(hooks: Hooks | undefined, phase: RuntimeHookPhase, state: OciState): Promise<void> {
  try {
    await runHooks(hooks, phase, state);
  } catch (e) {
    process.stderr.write(`berth: warning: ${(e as Error).message}\n`);
  }
}

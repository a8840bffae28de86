import type { Command } from 'commander';
import { registerRuntime } from './runtime/index.js';
import { registerImageCommands } from './image/index.js';

/** Every top-level verb registers itself here; one line each. */
export function registerAll(program: Command): void {
  registerRuntime(program);
  registerImageCommands(program);
}

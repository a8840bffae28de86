/**
 * Errors in a compose project's configuration (YAML, schema, interpolation, references):
 * one line naming the file, exit 15 as docker compose exits for them.
 */
import { BerthError } from '../errors.js';

export const CONFIG_EXIT = 15;

export function configError(message: string, o: { cause?: unknown; hint?: string } = {}): BerthError {
  return new BerthError('InvalidArgument', message.replace(/\s*\n\s*/g, ' '), { code: 'compose.config', exitCode: CONFIG_EXIT, ...o });
}

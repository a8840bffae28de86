/**
 * berth's one error class. A closed set of kinds; each kind maps to an exit
 * code (here) and an HTTP status (src/api) in exactly one place.
 */
export type ErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidArgument'
  | 'Conflict'
  | 'FailedPrecondition'
  | 'Unavailable'
  | 'Internal';

export interface ErrorOptions {
  /** A stable machine-readable code, e.g. `config.invalid`. */
  code?: string;
  /** One line telling the user what to do about it. */
  hint?: string;
  cause?: unknown;
  /** Exit code to use instead of the kind's default (126/127 from exec). */
  exitCode?: number;
}

export class BerthError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly hint?: string;
  readonly exitCode?: number;

  constructor(kind: ErrorKind, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BerthError';
    this.kind = kind;
    this.code = opts.code ?? kind;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode;
  }
}

export const notFound = (msg: string, o?: ErrorOptions) => new BerthError('NotFound', msg, o);
export const alreadyExists = (msg: string, o?: ErrorOptions) => new BerthError('AlreadyExists', msg, o);
export const invalidArgument = (msg: string, o?: ErrorOptions) => new BerthError('InvalidArgument', msg, o);
export const conflict = (msg: string, o?: ErrorOptions) => new BerthError('Conflict', msg, o);
export const failedPrecondition = (msg: string, o?: ErrorOptions) => new BerthError('FailedPrecondition', msg, o);
export const unavailable = (msg: string, o?: ErrorOptions) => new BerthError('Unavailable', msg, o);
export const internal = (msg: string, o?: ErrorOptions) => new BerthError('Internal', msg, o);

export function isBerthError(e: unknown, kind?: ErrorKind): e is BerthError {
  return e instanceof BerthError && (kind === undefined || e.kind === kind);
}

/** Node system errors carry `code` (ENOENT, ...). */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Exit code for an error, in the one place that decides it (Docker: 125 for our own errors). */
export function exitCodeFor(e: unknown): number {
  if (e instanceof BerthError) return e.exitCode ?? 125;
  return 125;
}

/** One line for the user: the message, plus the hint when there is one. Never a stack. */
export function describe(e: unknown): string {
  if (e instanceof BerthError) return e.hint ? `${e.message} (${e.hint})` : e.message;
  if (e instanceof Error) {
    const code = errnoCode(e);
    return code && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}

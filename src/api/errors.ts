/**
 * berth's error kinds -> HTTP status, in this one place (dockerd's errdefs mapping), and
 * the body every error answer has: `{"message": ...}`. The docker CLI changes course on
 * these codes (404 on create pulls; 409 on name conflicts), so keep them exact.
 */
import { BerthError, describe, type ErrorKind } from '../errors.js';

/** An answer that is not one of berth's error kinds: a bad path, an unsupported version, a body too big. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

const STATUS: Record<ErrorKind, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  InvalidArgument: 400,
  // dockerd answers "container is not running", "is paused", ... with 409 (errdefs.Conflict).
  FailedPrecondition: 409,
  Unavailable: 503,
  Internal: 500,
};

export function statusFor(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  // A command that cannot be run (126/127): dockerd's 400, whose message the docker CLI maps to the exit code.
  if (e instanceof BerthError && (e.exitCode === 126 || e.exitCode === 127)) return 400;
  if (e instanceof BerthError) return STATUS[e.kind];
  return 500;
}

/** The one-line message (berth's own, with its hint), never a stack. */
export function messageFor(e: unknown): string {
  if (e instanceof HttpError) return e.message;
  return describe(e);
}

export const badRequest = (msg: string) => new HttpError(400, msg);
export const pageNotFound = () => new HttpError(404, 'page not found');

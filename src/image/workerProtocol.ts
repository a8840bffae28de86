import { BerthError, type ErrorKind } from '../errors.js';
import type { BlobCopy, SinkResult } from './LayerSink.js';
import type { PhaseTimes } from './unpackProfile.js';

/** Main thread -> unpack worker. */
export type WorkerRequest =
  | { t: 'start'; job: number; dest: string; profile: boolean; blob?: BlobCopy }
  | { t: 'data'; job: number; buf: ArrayBuffer }
  | { t: 'end'; job: number }
  | { t: 'abort'; job: number };

/** Unpack worker -> main thread. */
export type WorkerReply =
  | { t: 'done'; job: number; result: SinkResult; prof: PhaseTimes }
  | { t: 'error'; job: number; error: SerializedError; prof: PhaseTimes }
  /**
   * A data chunk's memory handed back (transferred) once nothing in the worker refers to it,
   * one per data message, in order: the sender counts them to bound what is in flight.
   */
  | { t: 'free'; job: number; buf: ArrayBuffer };

/** An error as it crosses threads: BerthError fields, or a Node/zlib error's code and syscall. */
export interface SerializedError {
  message: string;
  kind?: ErrorKind;
  code?: string;
  hint?: string;
  syscall?: string;
  errno?: number;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof BerthError) return { message: e.message, kind: e.kind, code: e.code, hint: e.hint };
  const x = e as { message?: unknown; code?: unknown; syscall?: unknown; errno?: unknown };
  return {
    message: typeof x?.message === 'string' ? x.message : String(e),
    code: typeof x?.code === 'string' ? x.code : undefined,
    syscall: typeof x?.syscall === 'string' ? x.syscall : undefined,
    errno: typeof x?.errno === 'number' ? x.errno : undefined,
  };
}

/** The same error again on this side (a BerthError stays one, with its kind and code). */
export function deserializeError(s: SerializedError): Error {
  if (s.kind) return new BerthError(s.kind, s.message, { code: s.code, hint: s.hint });
  const e = new Error(s.message) as Error & { code?: string; syscall?: string; errno?: number };
  if (s.code !== undefined) e.code = s.code;
  if (s.syscall !== undefined) e.syscall = s.syscall;
  if (s.errno !== undefined) e.errno = s.errno;
  return e;
}

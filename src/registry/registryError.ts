import { BerthError, type ErrorKind } from '../errors.js';

/** The distribution spec's error body: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}`. */
export function errorText(body: Buffer): string | undefined {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    const parts = (Array.isArray(j.errors) ? j.errors : []).slice(0, 3).map((e) => {
      const code = typeof e.code === 'string' ? e.code.toLowerCase().replace(/_/g, ' ') : 'unknown';
      return typeof e.message === 'string' && e.message ? `${code}: ${e.message}` : code;
    });
    return parts.length ? oneLine(parts.join(', ')) : undefined;
  } catch {
    return undefined;
  }
}

/** Registry text is untrusted: one line, printable, bounded. */
export function oneLine(s: string): string {
  return s.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 300);
}

/** Carried as the cause of a registry error: what a retry needs to know. */
export interface RegistryStatus {
  status: number;
  retryAfterMs?: number;
}

function kindFor(status: number): ErrorKind {
  if (status === 404) return 'NotFound';
  if (status === 401 || status === 403) return 'FailedPrecondition';
  if (status === 429 || status >= 500) return 'Unavailable';
  return 'InvalidArgument';
}

/**
 * An error for a registry's non-success answer, worded as dockerd words it
 * (`unauthorized: authentication required`, `manifest unknown: manifest unknown`), prefixed
 * with `context` when given. Exit 1, as the docker CLI exits for daemon errors.
 */
export function registryError(status: number, body: Buffer, context: string, retryAfterMs?: number): BerthError {
  const text = errorText(body) ?? (status === 401 ? 'unauthorized: authentication required' : status === 404 ? 'not found' : `unexpected status ${status}`);
  const code = status === 401 || status === 403 ? 'registry.unauthorized' : status === 404 ? 'registry.notFound' : status === 429 || status >= 500 ? 'registry.unavailable' : 'registry.status';
  const cause: RegistryStatus = { status, retryAfterMs };
  return new BerthError(kindFor(status), context ? `${context}: ${text}` : text, { code, exitCode: 1, cause });
}

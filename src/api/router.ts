/**
 * One route table for the Engine API: `router.add('GET', '/containers/{id}/json', handler)`.
 * `{name}` matches one path segment, `{name*}` the rest of the path (image names hold
 * slashes). A `/vX.Y` prefix is stripped and checked against the versions served;
 * unversioned paths are the newest. HEAD falls back to GET (Node sends no body for HEAD).
 */
import type { Exchange } from './exchange.js';
import { HttpError, pageNotFound } from './errors.js';
import { API_VERSION, versionProblem } from './version.js';

export type Handler = (x: Exchange) => Promise<void> | void;

interface Route { method: string; pattern: string; re: RegExp; names: string[]; handler: Handler }

export interface Match { handler: Handler; params: Record<string, string>; version: string; path: string }

function compile(pattern: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const src = pattern.split('/').map((seg) => {
    const m = /^\{(\w+)(\*?)\}$/.exec(seg);
    if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    names.push(m[1]);
    return m[2] ? '(.+)' : '([^/]+)';
  }).join('/');
  return { re: new RegExp(`^${src}$`), names };
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const { re, names } = compile(pattern);
    this.routes.push({ method: method.toUpperCase(), pattern, re, names, handler });
    return this;
  }

  /** The patterns registered, as `METHOD /path` (tests check every one is exercised). */
  list(): string[] {
    return this.routes.map((r) => `${r.method} ${r.pattern}`);
  }

  /** The route for a request, or an HttpError (404 page not found, 400 for a version out of range). */
  match(method: string, rawPath: string): Match {
    let path = rawPath;
    let version = API_VERSION;
    const v = /^\/v(\d[^/]*)(\/.*)$/.exec(rawPath); // a digit: /volumes/... is no version prefix
    if (v) {
      if (!/^\d+(\.\d+)?$/.test(v[1])) throw pageNotFound();
      const problem = versionProblem(v[1]);
      if (problem) throw new HttpError(400, problem);
      version = v[1];
      path = v[2];
    }
    if (path.length > 1) path = path.replace(/\/+$/, '');
    const m = method.toUpperCase();
    const found = this.find(m, path) ?? (m === 'HEAD' ? this.find('GET', path) : undefined);
    if (!found) throw pageNotFound();
    return { ...found, version, path };
  }

  private find(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      } catch {
        throw new HttpError(400, `malformed path: ${path}`);
      }
      return { handler: r.handler, params };
    }
    return undefined;
  }
}

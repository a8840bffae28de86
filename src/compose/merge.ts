/**
 * Several `-f` files (and `extends`) merged by the Compose Specification's merge rules:
 * mappings merge key by key (the later file wins for scalars); `command`, `entrypoint` and
 * `healthcheck.test` are replaced whole; `environment`, `labels`, `sysctls`, `annotations`,
 * `build.args` and `extra_hosts` merge as mappings whichever syntax each file uses;
 * `networks` and `depends_on` merge as mappings (a list is a mapping of nulls);
 * `volumes` merge by target, `secrets`/`configs` by source, `ports` keep each distinct
 * entry once, other sequences are appended without duplicates. Works on the interpolated
 * YAML tree, before normalisation. Pure.
 */
export type Dict = Record<string, unknown>;

export const isDict = (v: unknown): v is Dict => !!v && typeof v === 'object' && !Array.isArray(v);

const REPLACED = new Set(['command', 'entrypoint']);
const AS_MAP = new Set(['environment', 'labels', 'sysctls', 'annotations', 'extra_hosts']);
const AS_KEYED_MAP = new Set(['networks', 'depends_on']);

/** `[K=V, K]` -> `{K: V, K: null}`; a mapping as it is. `sep` is `=` (extra_hosts also take `:`). */
export function listToMap(v: unknown, sep = '='): Dict {
  if (isDict(v)) return { ...v };
  const out: Dict = {};
  for (const item of Array.isArray(v) ? v : []) {
    const s = String(item);
    let i = s.indexOf(sep);
    if (sep === '=' && i < 0) i = -1;
    if (i < 0) out[s] = null;
    else out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

function namesToMap(v: unknown): Dict {
  if (isDict(v)) return { ...v };
  return Object.fromEntries((Array.isArray(v) ? v : []).map((n) => [String(n), null]));
}

function extraHostsMap(v: unknown): Dict {
  if (isDict(v)) return { ...v };
  const out: Dict = {};
  for (const item of Array.isArray(v) ? v : []) {
    const s = String(item);
    const i = s.search(/[=:]/);
    out[i < 0 ? s : s.slice(0, i)] = i < 0 ? null : s.slice(i + 1);
  }
  return out;
}

const targetOf = (v: unknown): string => {
  if (isDict(v)) return String(v.target ?? '');
  const parts = String(v).split(':');
  return parts.length === 1 ? parts[0] : parts[1];
};
const sourceOf = (v: unknown): string => (isDict(v) ? String(v.source ?? '') : String(v));

function mergeKeyed(base: unknown[], over: unknown[], key: (v: unknown) => string): unknown[] {
  const out = [...base];
  for (const o of over) {
    const i = out.findIndex((b) => key(b) === key(o));
    if (i >= 0) out[i] = o;
    else out.push(o);
  }
  return out;
}

function appendUnique(base: unknown[], over: unknown[]): unknown[] {
  const seen = new Set(base.map((v) => JSON.stringify(v)));
  return [...base, ...over.filter((v) => !seen.has(JSON.stringify(v)) && seen.add(JSON.stringify(v)))];
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** One service over another. */
export function mergeService(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (b === undefined || b === null || v === null) out[k] = v;
    else if (REPLACED.has(k)) out[k] = v;
    else if (k === 'extra_hosts') out[k] = { ...extraHostsMap(b), ...extraHostsMap(v) };
    else if (AS_MAP.has(k)) out[k] = { ...listToMap(b), ...listToMap(v) };
    else if (AS_KEYED_MAP.has(k)) out[k] = mergeMaps(namesToMap(b), namesToMap(v));
    else if (k === 'volumes') out[k] = mergeKeyed(asList(b), asList(v), targetOf);
    else if (k === 'secrets' || k === 'configs') out[k] = mergeKeyed(asList(b), asList(v), sourceOf);
    else if (k === 'build') out[k] = mergeBuild(b, v);
    else if (k === 'healthcheck' && isDict(b) && isDict(v)) out[k] = { ...b, ...v };
    else if (k === 'env_file' || Array.isArray(b) || Array.isArray(v)) out[k] = appendUnique(asList(b), asList(v));
    else if (isDict(b) && isDict(v)) out[k] = mergeMaps(b, v);
    else out[k] = v;
  }
  return out;
}

function mergeBuild(b: unknown, v: unknown): unknown {
  const d = (x: unknown): Dict => (isDict(x) ? x : { context: x });
  const out = mergeMaps(d(b), d(v));
  if (isDict(d(b).args) || isDict(d(v).args) || Array.isArray(d(b).args) || Array.isArray(d(v).args)) out.args = { ...listToMap(d(b).args), ...listToMap(d(v).args) };
  return out;
}

/** Recursive mapping merge: the later one wins for scalars and sequences. */
export function mergeMaps(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isDict(out[k]) && isDict(v) ? mergeMaps(out[k] as Dict, v) : v;
  return out;
}

/** A whole file over another (both interpolated, extends resolved). */
export function mergeProjects(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (k === 'services' && isDict(b) && isDict(v)) {
      const s: Dict = { ...b };
      for (const [name, svc] of Object.entries(v)) s[name] = isDict(s[name]) && isDict(svc) ? mergeService(s[name] as Dict, svc) : svc;
      out[k] = s;
    } else if (isDict(b) && isDict(v)) out[k] = mergeMaps(b, v);
    else out[k] = v;
  }
  return out;
}

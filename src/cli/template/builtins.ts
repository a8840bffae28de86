/** text/template's predefined functions plus Docker's (json, join, split, lower, upper, title, truncate, pad). */
import { goString, goType, isMap, truth } from './goValue.js';
import { sprint, sprintf, sprintln } from './sprintf.js';

/** A function's own failure; the executor prefixes `error calling NAME: `. */
export class CallError extends Error {}

type Fn = (...a: unknown[]) => unknown;
interface Builtin { fn: Fn; arity?: number; min?: number }

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) throw new CallError('invalid value; expected string');
  throw new CallError(`wrong type for value; expected string; got ${goType(v)}`);
}

function int(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new CallError(`wrong type for value; expected int; got ${goType(v)}`);
}

function kind(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  return typeof v;
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (!rest.length) throw new CallError('missing argument for comparison');
  for (const b of rest) {
    const [ka, kb] = [kind(a), kind(b)];
    if (ka !== kb) {
      if (ka !== 'nil' && kb !== 'nil') throw new CallError('incompatible types for comparison');
      continue;
    }
    if (ka === 'object') throw new CallError(`non-comparable type ${goString(a)}: ${goType(a)}`);
    if (a === b || ka === 'nil') return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const [ka, kb] = [kind(a), kind(b)];
  if (ka !== 'number' && ka !== 'string') throw new CallError('invalid type for comparison');
  if (ka !== kb) throw new CallError('incompatible types for comparison');
  return (a as number) < (b as number);
}

function length(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CallError(`len of type ${goType(v)}`);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let cur = item;
  for (const k of keys) {
    if (Array.isArray(cur) || typeof cur === 'string') {
      const i = int(k);
      if (i < 0 || i >= cur.length) throw new CallError(`index out of range: ${i}`);
      cur = typeof cur === 'string' ? cur.charCodeAt(i) : cur[i];
    } else if (cur === null || cur === undefined) {
      if (cur === undefined) throw new CallError('index of untyped nil');
      return '';
    } else if (typeof cur === 'object') {
      const o = cur as Record<string, unknown>;
      const key = str(k);
      cur = Object.hasOwn(o, key) ? o[key] : Object.values(o).every((x) => typeof x === 'string') ? '' : null;
    } else throw new CallError(`can't index item of type ${goType(cur)}`);
  }
  return cur;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (typeof item !== 'string' && !Array.isArray(item)) throw new CallError(`can't slice item of type ${goType(item)}`);
  if (idx.length > 3 || (typeof item === 'string' && idx.length > 2)) throw new CallError('too many slice indexes');
  const n = idx.map(int);
  const [i = 0, j = item.length] = n;
  if (i < 0 || j < i || j > item.length) throw new CallError(`index out of range: ${j > item.length ? j : i}`);
  return item.slice(i, j);
}

function title(s: unknown): string {
  let prev = ' ';
  let out = '';
  for (const ch of str(s)) {
    out += /[\p{L}\p{Nd}_]/u.test(prev) ? ch : ch.toUpperCase();
    prev = ch;
  }
  return out;
}

/** Docker's `json`: encoding/json without HTML escaping. */
function json(v: unknown): string {
  return (JSON.stringify(v ?? null, (_k, x: unknown) => (typeof x === 'function' ? undefined : x)) ?? 'null').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** text/template's evalArgs: one string argument as is, else fmt.Sprint of them all. */
function text(a: unknown[]): string {
  return a.length === 1 && typeof a[0] === 'string' ? a[0] : sprint(a);
}

const HTML: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };
const JS: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D', '\n': '\\u000A', '\r': '\\u000D', '\t': '\\u0009' };

export const BUILTINS: Record<string, Builtin> = {
  not: { fn: (a) => !truth(a), arity: 1 },
  eq: { fn: eq, min: 1 },
  ne: { fn: (a, b) => !eq(a, b), arity: 2 },
  lt: { fn: lt, arity: 2 },
  le: { fn: (a, b) => lt(a, b) || eq(a, b), arity: 2 },
  gt: { fn: (a, b) => !lt(a, b) && !eq(a, b), arity: 2 },
  ge: { fn: (a, b) => !lt(a, b), arity: 2 },
  len: { fn: length, arity: 1 },
  index: { fn: index, min: 1 },
  slice: { fn: slice, min: 1 },
  print: { fn: (...a) => sprint(a) },
  printf: { fn: (f, ...a) => sprintf(str(f), a), min: 1 },
  println: { fn: (...a) => sprintln(a) },
  call: { fn: (f, ...a) => {
    if (typeof f !== 'function') throw new CallError(`non-function of type ${goType(f)}`);
    return f(...a);
  }, min: 1 },
  html: { fn: (...a) => text(a).replace(/[<>&'"\0]/g, (c) => HTML[c]) },
  js: { fn: (...a) => text(a).replace(/[\\'"<>&=\n\r\t]/g, (c) => JS[c]) },
  urlquery: { fn: (...a) => encodeURIComponent(text(a)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+') },
  json: { fn: json, arity: 1 },
  join: { fn: (a, sep) => (a === null ? '' : Array.isArray(a) ? a.map((x) => (typeof x === 'string' ? x : goString(x))).join(str(sep)) : str(a)), arity: 2 },
  split: { fn: (s, sep) => (str(sep) === '' ? [...str(s)] : str(s).split(str(sep))), arity: 2 },
  lower: { fn: (s) => str(s).toLowerCase(), arity: 1 },
  upper: { fn: (s) => str(s).toUpperCase(), arity: 1 },
  title: { fn: title, arity: 1 },
  truncate: { fn: (s, n) => ([...str(s)].length < int(n) ? str(s) : [...str(s)].slice(0, int(n)).join('')), arity: 2 },
  pad: { fn: (s, l, r) => (str(s) === '' ? '' : ' '.repeat(Math.max(0, int(l))) + str(s) + ' '.repeat(Math.max(0, int(r)))), arity: 3 },
};

/** Names the parser accepts: the builtins plus the short-circuit `and`/`or` the executor handles. */
export const FUNC_NAMES = new Set([...Object.keys(BUILTINS), 'and', 'or']);

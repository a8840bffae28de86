/**
 * The Compose Specification's interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+replacement}`,
 * `${VAR+replacement}`, and `$$` for a literal `$`. Defaults and replacements are
 * interpolated themselves (nesting). Applied to every string value of the YAML tree, never
 * to keys. Pure: the variables come from `lookup`, warnings go to `warn`.
 */
import { configError } from './configError.js';

export type Lookup = (name: string) => string | undefined;

export interface InterpolateContext {
  lookup: Lookup;
  /** Called once per unset variable used without a default. */
  warn?: (name: string) => void;
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** Where the text `s` is (a dotted path), for the error messages. */
export function interpolateString(s: string, ctx: InterpolateContext, where: string): string {
  if (!s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(s, i + 2);
      if (end < 0) throw invalidFormat(where, s);
      out += braced(s.slice(i + 2, end), ctx, where, s);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (!m) throw invalidFormat(where, s);
    out += valueOf(m[0], ctx);
    i += 1 + m[0].length;
  }
  return out;
}

/** The index of the `}` closing a `${` whose body starts at `from` (nested `${...}` skipped). */
function closingBrace(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '$') {
      i++;
      continue;
    }
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function braced(body: string, ctx: InterpolateContext, where: string, whole: string): string {
  const m = NAME.exec(body);
  if (!m) throw invalidFormat(where, whole);
  const name = m[0];
  const rest = body.slice(name.length);
  if (rest === '') return valueOf(name, ctx);
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (!op) throw invalidFormat(where, whole);
  const arg = rest.slice(op.length);
  const v = ctx.lookup(name);
  const unsetOrEmpty = v === undefined || v === '';
  const sub = () => interpolateString(arg, ctx, where);
  switch (op) {
    case ':-': return unsetOrEmpty ? sub() : v;
    case '-': return v === undefined ? sub() : v;
    case ':+': return unsetOrEmpty ? '' : sub();
    case '+': return v === undefined ? '' : sub();
    case ':?':
      if (unsetOrEmpty) throw configError(`required variable ${name} is missing a value: ${sub()}`);
      return v;
    default:
      if (v === undefined) throw configError(`required variable ${name} is missing a value: ${sub()}`);
      return v;
  }
}

function valueOf(name: string, ctx: InterpolateContext): string {
  const v = ctx.lookup(name);
  if (v === undefined) {
    ctx.warn?.(name);
    return '';
  }
  return v;
}

function invalidFormat(where: string, s: string): Error {
  return configError(`invalid interpolation format for ${where}: "${s}". You may need to escape any $ with another $.`);
}

/** Every string value below `node` (arrays and mappings walked; keys left alone). */
export function interpolateTree(node: unknown, ctx: InterpolateContext, where = ''): unknown {
  if (typeof node === 'string') return interpolateString(node, ctx, where || '(root)');
  if (Array.isArray(node)) return node.map((v, i) => interpolateTree(v, ctx, `${where}[${i}]`));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolateTree(v, ctx, where ? `${where}.${k}` : k);
    return out;
  }
  return node;
}

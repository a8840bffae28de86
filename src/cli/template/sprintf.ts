/** Go's fmt.Sprintf / Sprint / Sprintln over JSON-shaped values. */
import { goNumber, goString, goType } from './goValue.js';

interface Spec { minus: boolean; plus: boolean; sharp: boolean; space: boolean; zero: boolean; width?: number; prec?: number }

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function bad(verb: string, v: unknown): string {
  return v === null || v === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${goType(v)}=${goString(v)})`;
}

function fixExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function gFormat(n: number, prec: number | undefined): string {
  if (prec === undefined) return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : goNumber(n);
  const p = prec === 0 ? 1 : prec;
  const [mant, e] = n.toExponential(p - 1).split('e');
  const digits = mant.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
  const exp = Number(e);
  let eprec = p;
  if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) return fixExp(n.toExponential(Math.max(digits.length - 1, 0)));
  return n.toFixed(Math.max(digits.length - (exp + 1), 0));
}

function formatNumber(verb: string, n: number, s: Spec): string {
  const int = Number.isInteger(n);
  let body: string;
  switch (verb) {
    case 'd': if (!int) return bad(verb, n); body = String(Math.abs(n)); break;
    case 'x': case 'X': if (!int) return bad(verb, n); body = (s.sharp ? '0x' : '') + Math.abs(n).toString(16); break;
    case 'o': if (!int) return bad(verb, n); body = (s.sharp ? '0' : '') + Math.abs(n).toString(8); break;
    case 'b': if (!int) return bad(verb, n); body = Math.abs(n).toString(2); break;
    case 'c': return int ? String.fromCodePoint(n) : bad(verb, n);
    case 'q': return int ? `'${String.fromCodePoint(n)}'` : bad(verb, n);
    case 'U': return int ? `U+${n.toString(16).toUpperCase().padStart(4, '0')}` : bad(verb, n);
    case 'f': case 'F': body = Math.abs(n).toFixed(s.prec ?? 6); break;
    case 'e': case 'E': body = fixExp(Math.abs(n).toExponential(s.prec ?? 6)); break;
    case 'g': case 'G': body = gFormat(Math.abs(n), s.prec); break;
    case 'v': body = gFormat(Math.abs(n), s.prec); break;
    default: return bad(verb, n);
  }
  if (int && s.prec !== undefined && 'dxXob'.includes(verb)) body = body.padStart(s.prec, '0');
  if (verb === 'X' || verb === 'E' || verb === 'G') body = body.toUpperCase();
  const sign = n < 0 || Object.is(n, -0) ? '-' : s.plus ? '+' : s.space ? ' ' : '';
  if (s.zero && !s.minus && s.width !== undefined) return sign + body.padStart(s.width - sign.length, '0');
  return sign + body;
}

function formatValue(verb: string, v: unknown, s: Spec): string {
  if (verb === 'T') return goType(v);
  if (typeof v === 'number') return formatNumber(verb, v, s);
  if (typeof v === 'boolean') return verb === 't' || verb === 'v' ? String(v) : bad(verb, v);
  if (typeof v === 'string') {
    const str = s.prec !== undefined ? [...v].slice(0, s.prec).join('') : v;
    if (verb === 's' || verb === 'v') return str;
    if (verb === 'q') return goQuote(str);
    if (verb === 'x' || verb === 'X') {
      const hex = Buffer.from(str).toString('hex');
      return verb === 'X' ? hex.toUpperCase() : hex;
    }
    return bad(verb, v);
  }
  if (Array.isArray(v) && verb !== 'v') return `[${v.map((x) => formatValue(verb, x, { ...s, width: undefined })).join(' ')}]`;
  if (v === null || v === undefined) return verb === 'v' || verb === 's' ? (verb === 's' ? '%!s(<nil>)' : '<nil>') : bad(verb, v);
  if (verb === 'v' || verb === 's') return goString(v);
  return bad(verb, v);
}

function pad(str: string, s: Spec): string {
  if (s.width === undefined) return str;
  const len = [...str].length;
  if (len >= s.width) return str;
  const fill = ' '.repeat(s.width - len);
  return s.minus ? str + fill : s.zero ? '0'.repeat(s.width - len) + str : fill + str;
}

/** fmt.Sprintf with the common verbs, flags, width and precision; Go's `%!` notes for mistakes. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let a = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const s: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length && '-+# 0'.includes(format[i]); i++) {
      const f = format[i];
      if (f === '-') s.minus = true;
      else if (f === '+') s.plus = true;
      else if (f === '#') s.sharp = true;
      else if (f === ' ') s.space = true;
      else s.zero = true;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const v = args[a++];
        return typeof v === 'number' ? v : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    s.width = num();
    if (s.width !== undefined && s.width < 0) {
      s.minus = true;
      s.width = -s.width;
    }
    if (format[i] === '.') {
      i++;
      s.prec = num() ?? 0;
    }
    const verb = format[i++];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (a >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const v = args[a++];
    out += pad(formatValue(verb, v, s), typeof v === 'number' && s.zero ? { ...s, width: undefined } : s);
  }
  if (a < args.length) out += `%!(EXTRA ${args.slice(a).map((v) => (v === null || v === undefined ? '<nil>' : `${goType(v)}=${goString(v)}`)).join(', ')})`;
  return out;
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((v, i) => {
    if (i > 0 && typeof v !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printArg(v);
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return `${args.map(printArg).join(' ')}\n`;
}

function printArg(v: unknown): string {
  return v === undefined || v === null ? '<nil>' : goString(v);
}

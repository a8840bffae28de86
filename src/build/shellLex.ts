/**
 * Variable substitution as the Dockerfile reference defines it for the instructions the
 * builder expands (ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR ARG and
 * ONBUILD's trigger when it runs): `$V`, `${V}`, `${V:-word}`, `${V-word}`, `${V:+word}`,
 * `${V+word}`, `${V:?msg}`, `${V?msg}`; the escape character makes the next character literal;
 * single quotes keep everything literal; double quotes group and still expand. Quotes and
 * escapes are removed from the result, as Docker's lexer does. Only this file expands.
 */
export type Lookup = (name: string) => string | undefined;

/** A substitution the text makes impossible (bad syntax, `${V:?}` unset); the caller adds file:line. */
export class LexError extends Error {}

const NAME = /[A-Za-z0-9_]/;

class Scanner {
  pos = 0;
  constructor(readonly s: string, readonly env: Lookup, readonly esc: string) {}
  peek(): string | undefined { return this.s[this.pos]; }
  next(): string | undefined { return this.s[this.pos++]; }
  done(): boolean { return this.pos >= this.s.length; }
}

/**
 * One word: quotes and escapes removed, variables expanded. With `split`, unquoted
 * whitespace (in the text or in expanded values) separates words.
 */
function process(sc: Scanner, stop: string | undefined, split: boolean): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  const push = () => {
    if (inWord) words.push(cur);
    cur = '';
    inWord = false;
  };
  while (!sc.done()) {
    const ch = sc.peek()!;
    if (stop !== undefined && ch === stop) break;
    sc.next();
    if (split && (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r')) { push(); continue; }
    if (ch !== '$' || !split) inWord = true;
    if (ch === "'") cur += single(sc);
    else if (ch === '"') cur += double(sc);
    else if (ch === '$') {
      const v = dollar(sc);
      if (!split) cur += v;
      else {
        // An unquoted expansion splits at whitespace; empty pieces make no word.
        const parts = v.split(/[ \t\n]+/);
        parts.forEach((p, i) => {
          if (i > 0) push();
          cur += p;
          if (p) inWord = true;
        });
      }
    } else if (ch === sc.esc) {
      if (sc.done()) cur += ch;
      else cur += sc.next();
    } else cur += ch;
  }
  push();
  return words;
}

function single(sc: Scanner): string {
  let out = '';
  for (;;) {
    const ch = sc.next();
    if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching single-quote');
    if (ch === "'") return out;
    out += ch;
  }
}

function double(sc: Scanner): string {
  let out = '';
  for (;;) {
    const ch = sc.next();
    if (ch === undefined) throw new LexError('unexpected end of statement while looking for matching double-quote');
    if (ch === '"') return out;
    if (ch === '$') out += dollar(sc);
    else if (ch === sc.esc) {
      const n = sc.peek();
      if (n === undefined) out += ch;
      else if (n === '"' || n === '$' || n === sc.esc) out += sc.next();
      else out += ch;
    } else out += ch;
  }
}

function readName(sc: Scanner): string {
  let name = '';
  while (!sc.done() && NAME.test(sc.peek()!)) name += sc.next();
  return name;
}

function dollar(sc: Scanner): string {
  const ch = sc.peek();
  if (ch !== '{') {
    if (ch === undefined || !NAME.test(ch)) return '$';
    return sc.env(readName(sc)) ?? '';
  }
  sc.next();
  const name = readName(sc);
  if (!name) throw new LexError(`bad substitution: missing name in \${...}`);
  const op = sc.next();
  if (op === '}') return sc.env(name) ?? '';
  if (op === undefined) throw new LexError(`missing '}' in \${${name}`);
  let colon = false;
  let kind = op;
  if (op === ':') {
    colon = true;
    kind = sc.next() ?? '';
  }
  if (kind !== '-' && kind !== '+' && kind !== '?') throw new LexError(`unsupported modifier (${colon ? ':' : ''}${kind}) in substitution \${${name}...}`);
  const word = process(sc, '}', false).join('');
  if (sc.next() !== '}') throw new LexError(`missing '}' in \${${name}`);
  const v = sc.env(name);
  const unset = v === undefined || (colon && v === '');
  if (kind === '-') return unset ? word : v!;
  if (kind === '+') return unset ? '' : word;
  if (unset) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
  return v!;
}

/** A word with quotes and escapes removed and variables expanded (never split). */
export function expandWord(s: string, env: Lookup, esc = '\\'): string {
  return process(new Scanner(s, env, esc), undefined, false).join('');
}

/** Words separated by unquoted whitespace, each expanded (EXPOSE, VOLUME, COPY's shell form). */
export function expandWords(s: string, env: Lookup, esc = '\\'): string[] {
  return process(new Scanner(s, env, esc), undefined, true);
}

/** A heredoc body (unquoted delimiter): `$` expansions and `\$` only; quotes and everything else as written. */
export function expandHeredoc(s: string, env: Lookup, esc = '\\'): string {
  const sc = new Scanner(s, env, esc);
  let out = '';
  while (!sc.done()) {
    const ch = sc.next()!;
    if (ch === esc && sc.peek() === '$') out += sc.next();
    else if (ch === '$') out += dollar(sc);
    else out += ch;
  }
  return out;
}

/** Does the text mention any of `names` as a variable? (for cache keys: a build arg only counts where used) */
export function mentions(s: string, names: Iterable<string>): string[] {
  const used = new Set<string>();
  for (const m of s.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) used.add(m[1]);
  return [...names].filter((n) => used.has(n));
}

/**
 * Split text into words at unquoted whitespace without expanding or unquoting
 * (Docker's parseWords for ENV/LABEL pairs: `a="b c" d=e` -> [`a="b c"`, `d=e`]).
 */
export function splitWords(s: string, esc = '\\'): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (!quote && (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r')) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    cur += ch;
    if (ch === esc && quote !== "'" && i + 1 < s.length) cur += s[++i];
    else if (quote && ch === quote) quote = undefined;
    else if (!quote && (ch === '"' || ch === "'")) quote = ch;
  }
  if (inWord) words.push(cur);
  return words;
}

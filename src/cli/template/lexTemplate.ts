/** The lexer of a Go text/template subset: text and `{{ }}` actions with `{{-`/`-}}` trim markers and comments. */

export type ItemType = 'text' | 'left' | 'right' | 'space' | 'field' | 'var' | 'dot' | 'ident' | 'keyword' | 'string' | 'number' | 'bool'
  | 'nil' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'eof';

export interface Item { type: ItemType; val: string; pos: number; line: number; value?: string | number | boolean }

export class TemplateSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

export function lexTemplate(src: string): Item[] {
  return new Lexer(src).run();
}

class Lexer {
  items: Item[] = [];
  i = 0;
  line = 1;
  depth = 0;
  constructor(readonly src: string) {}

  fail(msg: string): never {
    throw new TemplateSyntaxError(this.line, msg);
  }

  emit(type: ItemType, start: number, value?: string | number | boolean): void {
    const val = this.src.slice(start, this.i);
    this.items.push({ type, val, pos: start, line: this.line, value });
    this.line += val.split('\n').length - 1;
  }

  run(): Item[] {
    let trimNext = false;
    const { src } = this;
    while (this.i <= src.length) {
      const open = src.indexOf('{{', this.i);
      const end = open < 0 ? src.length : open;
      let text = src.slice(this.i, end);
      const trimLeft = open >= 0 && src[open + 2] === '-' && SPACE.test(src[open + 3] ?? '');
      if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      if (text) this.items.push({ type: 'text', val: text, pos: this.i, line: this.line });
      this.line += src.slice(this.i, end).split('\n').length - 1;
      if (open < 0) break;
      this.i = open + 2 + (trimLeft ? 2 : 0);
      trimNext = src.startsWith('/*', this.i) ? this.comment() : this.action(open);
    }
    this.items.push({ type: 'eof', val: '', pos: src.length, line: this.line });
    return this.items;
  }

  /** `{{/* ... *\/}}`; returns whether it ends with a trim marker. */
  comment(): boolean {
    const close = this.src.indexOf('*/', this.i + 2);
    if (close < 0) this.fail('unclosed comment');
    this.line += this.src.slice(this.i, close).split('\n').length - 1;
    this.i = close + 2;
    const rest = this.src.slice(this.i);
    const m = /^[ \t\r\n]-\}\}/.exec(rest) ?? /^\}\}/.exec(rest);
    if (!m) this.fail('comment ends before closing delimiter');
    this.i += m[0].length;
    return m[0].length > 2;
  }

  /** Lex one action; returns whether it ends with a right trim marker. */
  action(open: number): boolean {
    const { src } = this;
    this.items.push({ type: 'left', val: '{{', pos: open, line: this.line });
    this.depth = 0;
    for (;;) {
      const rest = src.slice(this.i, this.i + 4);
      const trimRight = /^[ \t\r\n]-\}\}/.test(rest);
      if (trimRight || rest.startsWith('}}')) {
        if (this.depth > 0) this.fail('unclosed left paren');
        if (trimRight) this.i++;
        const start = this.i;
        this.i += trimRight ? 3 : 2;
        this.emit('right', start);
        return trimRight;
      }
      if (this.i >= src.length) this.fail('unclosed action');
      this.token();
    }
  }

  token(): void {
    const { src } = this;
    const start = this.i;
    const c = src[this.i];
    const next = src[this.i + 1] ?? '';
    if (SPACE.test(c)) {
      while (this.i < src.length && SPACE.test(src[this.i]) && !/^[ \t\r\n]-\}\}/.test(src.slice(this.i, this.i + 4))) this.i++;
      if (this.i > start) this.emit('space', start);
      return;
    }
    this.i++;
    if (c === '=') return this.emit('assign', start);
    if (c === ':') {
      if (next !== '=') this.fail('expected :=');
      this.i++;
      return this.emit('declare', start);
    }
    if (c === '|') return this.emit('pipe', start);
    if (c === ',') return this.emit('comma', start);
    if (c === '(') {
      this.depth++;
      return this.emit('lparen', start);
    }
    if (c === ')') {
      if (--this.depth < 0) this.fail(`unexpected right paren`);
      return this.emit('rparen', start);
    }
    if (c === '"') return this.quoted(start);
    if (c === '`') {
      const close = src.indexOf('`', this.i);
      if (close < 0) this.fail('unterminated raw quoted string');
      this.i = close + 1;
      return this.emit('string', start, src.slice(start + 1, close));
    }
    if (c === "'") return this.char(start);
    if (c === '$') return this.word('var', start);
    if (c === '.' && !/[0-9]/.test(next)) {
      if (ALNUM.test(next)) return this.word('field', start);
      return this.emit('dot', start);
    }
    if (/[0-9.+-]/.test(c)) return this.number(start);
    if (ALNUM.test(c)) {
      this.word('ident', start);
      const it = this.items[this.items.length - 1];
      if (KEYWORDS.has(it.val)) it.type = 'keyword';
      else if (it.val === 'true' || it.val === 'false') Object.assign(it, { type: 'bool', value: it.val === 'true' });
      else if (it.val === 'nil') it.type = 'nil';
      return;
    }
    this.fail(`unrecognized character in action: U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(c)}`);
  }

  word(type: ItemType, start: number): void {
    while (this.i < this.src.length && ALNUM.test(this.src[this.i])) this.i++;
    const after = this.src[this.i] ?? '';
    if (after && !/[ \t\r\n.,|:)(}=-]/.test(after)) this.fail(`bad character U+${after.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(after)}`);
    this.emit(type, start);
  }

  quoted(start: number): void {
    const { src } = this;
    for (;;) {
      const c = src[this.i++];
      if (c === undefined || c === '\n') this.fail('unterminated quoted string');
      if (c === '\\') this.i++;
      else if (c === '"') break;
    }
    const val = src.slice(start, this.i);
    this.emit('string', start, unquote(val, this.line));
  }

  char(start: number): void {
    const { src } = this;
    for (;;) {
      const c = src[this.i++];
      if (c === undefined || c === '\n') this.fail('unterminated character constant');
      if (c === '\\') this.i++;
      else if (c === "'") break;
    }
    const s = unquote(`"${src.slice(start + 1, this.i - 1).replace(/\\'/g, "'")}"`, this.line);
    if ([...s].length !== 1) this.fail(`malformed character constant: ${src.slice(start, this.i)}`);
    this.emit('number', start, s.codePointAt(0));
  }

  number(start: number): void {
    const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)/.exec(this.src.slice(start))!;
    this.i = start + m[0].length;
    const after = this.src[this.i] ?? '';
    const text = m[0].replace(/_/g, '');
    let n = Number(text);
    if (/^[+-]?0[oO]/.test(text)) n = (text.startsWith('-') ? -1 : 1) * parseInt(text.replace(/^[+-]?0[oO]/, ''), 8);
    else if (/^[+-]?0[0-7]+$/.test(text)) n = parseInt(text, 8);
    else if (/^[+-]?0[xXbB]/.test(text)) n = (text.startsWith('-') ? -1 : 1) * Number(text.replace(/^[+-]/, ''));
    if (!m[0] || Number.isNaN(n) || ALNUM.test(after) || after === '.') this.fail(`bad number syntax: ${JSON.stringify(this.src.slice(start, this.i + 1))}`);
    this.emit('number', start, n);
  }
}

const ESC: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** Go's strconv.Unquote for a double-quoted literal. */
function unquote(q: string, line: number): string {
  const body = q.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_m, e: string) => {
    if (e.length === 1) {
      if (!(e in ESC)) throw new TemplateSyntaxError(line, `invalid syntax in ${q}`);
      return ESC[e];
    }
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}

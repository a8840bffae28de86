/** The parser of a Go text/template subset into a tree executeTemplate walks. */
import { type Item, type ItemType, lexTemplate, TemplateSyntaxError } from './lexTemplate.js';

interface At { pos: number; src: string }
export type Arg =
  | (At & { t: 'field'; names: string[] })
  | (At & { t: 'var'; name: string; names: string[] })
  | (At & { t: 'chain'; node: Arg; names: string[] })
  | (At & { t: 'dot' | 'nil' })
  | (At & { t: 'const'; value: string | number | boolean })
  | (At & { t: 'ident'; name: string })
  | (At & { t: 'pipe'; pipe: Pipe });
export interface Cmd extends At { args: Arg[] }
export interface Pipe extends At { decl: string[]; assign: boolean; cmds: Cmd[] }
export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe }
  | Control
  | (At & { t: 'break' | 'continue' })
  /** `{{template "name" pipeline}}` (and where a `{{block}}` stands). */
  | (At & { t: 'template'; name: string; pipe?: Pipe });

export interface Control { t: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; else?: Node[] }

/** `defs`: the templates `{{define}}` and `{{block}}` name (a later non-empty definition replaces an earlier one, as Go's). */
export interface Tree { src: string; root: Node[]; defs: Map<string, Node[]> }

/** Parse `src`; `funcs` are the function names the template may call. */
export function parseTemplate(src: string, funcs: Set<string>): Tree {
  const p = new Parser(src, lexTemplate(src), funcs);
  const root = p.top();
  return { src, root, defs: p.defs };
}

function describeItem(it: Item): string {
  if (it.type === 'eof') return 'EOF';
  if (it.type === 'keyword') return `<${it.val}>`;
  if (it.type === 'right') return '"}}"';
  return JSON.stringify(it.val.length > 10 ? `${it.val.slice(0, 10)}...` : it.val);
}

class Parser {
  k = 0;
  vars: string[] = ['$'];
  rangeDepth = 0;
  /** Nesting of control structures: `{{define}}` is only allowed at the top. */
  depth = 0;
  defs = new Map<string, Node[]>();
  constructor(readonly src: string, readonly items: Item[], readonly funcs: Set<string>) {}

  fail(msg: string, it: Item = this.items[Math.max(0, this.k - 1)]): never {
    throw new TemplateSyntaxError(it.line, msg);
  }

  next(): Item {
    return this.items[Math.min(this.k++, this.items.length - 1)];
  }

  peek(): Item {
    return this.items[Math.min(this.k, this.items.length - 1)];
  }

  nextNonSpace(): Item {
    let it = this.next();
    while (it.type === 'space') it = this.next();
    return it;
  }

  peekNonSpace(): Item {
    const save = this.k;
    const it = this.nextNonSpace();
    this.k = save;
    return it;
  }

  expect(type: ItemType, context: string): Item {
    const it = this.nextNonSpace();
    if (it.type !== type) this.fail(`unexpected ${describeItem(it)} in ${context}`, it);
    return it;
  }

  top(): Node[] {
    const { nodes, end } = this.list();
    if (end) this.fail(`unexpected {{${end.val}}}`, end);
    return nodes;
  }

  /** Nodes up to `{{end}}`, `{{else}}` or EOF; returns which one stopped it (undefined for EOF). */
  list(): { nodes: Node[]; end?: Item } {
    const nodes: Node[] = [];
    for (;;) {
      const it = this.next();
      if (it.type === 'eof') return { nodes };
      if (it.type === 'text') {
        nodes.push({ t: 'text', text: it.val });
        continue;
      }
      const kw = this.peekNonSpace();
      if (kw.type === 'keyword') {
        this.nextNonSpace();
        if (kw.val === 'end' || kw.val === 'else') {
          if (kw.val === 'end') this.expect('right', '{{end}}');
          return { nodes, end: kw };
        }
        if (kw.val === 'define') {
          this.define(kw);
          continue;
        }
        this.depth++;
        nodes.push(this.control(kw));
        this.depth--;
        continue;
      }
      nodes.push({ t: 'action', pipe: this.pipeline('command', 'right') });
    }
  }

  control(kw: Item): Node {
    if (kw.val === 'break' || kw.val === 'continue') {
      if (!this.rangeDepth) this.fail(`{{${kw.val}}} outside {{range}}`, kw);
      this.expect('right', `{{${kw.val}}}`);
      return { t: kw.val, pos: kw.pos, src: kw.val };
    }
    if (kw.val === 'template' || kw.val === 'block') return this.invoke(kw);
    if (kw.val !== 'if' && kw.val !== 'with' && kw.val !== 'range') this.fail(`{{${kw.val}}} is not supported`, kw);
    const t = kw.val;
    const mark = this.vars.length;
    const pipe = this.pipeline(t, 'right');
    if (t === 'range') this.rangeDepth++;
    const body = this.list();
    if (t === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (body.end?.val === 'else') {
      const chained = this.peekNonSpace();
      if (t !== 'range' && chained.type === 'keyword' && chained.val === t) {
        // {{else if ...}} is {{else}}{{if ...}}, sharing the one {{end}}
        this.nextNonSpace();
        elseList = [this.control(chained)];
      } else {
        this.expect('right', '{{else}}');
        const rest = this.list();
        if (rest.end?.val !== 'end') this.fail(rest.end ? 'expected end; found {{else}}' : `unexpected EOF`, rest.end);
        elseList = rest.nodes;
      }
    } else if (!body.end) this.fail('unexpected EOF', this.items[this.items.length - 1]);
    this.vars.length = mark;
    return { t, pipe, list: body.nodes, else: elseList };
  }

  /** `{{define "name"}}...{{end}}`: top level only; its body sees only `$` (the dot it is given). */
  define(kw: Item): void {
    if (this.depth > 0) this.fail('unexpected <define> in command', kw);
    const name = this.expect('string', 'define clause');
    this.expect('right', 'define clause');
    this.addDef(String(name.value), this.body('define'));
  }

  /** `{{template "name" [pipeline]}}`, `{{block "name" [pipeline]}}...{{end}}` (define + template). */
  invoke(kw: Item): Node {
    const context = `${kw.val} clause`;
    const name = this.expect('string', context);
    const pipe = this.peekNonSpace().type === 'right' ? (this.nextNonSpace(), undefined) : this.pipeline(context, 'right');
    const close = this.items[this.k - 1];
    if (kw.val === 'block') this.addDef(String(name.value), this.body('block'));
    return { t: 'template', name: String(name.value), pos: kw.pos, src: `{{${this.src.slice(kw.pos, close.pos).trim()}}}`, pipe };
  }

  /** A define's or block's body up to its `{{end}}`, parsed with a fresh variable scope. */
  body(what: string): Node[] {
    const [vars, range, depth] = [this.vars, this.rangeDepth, this.depth];
    this.vars = ['$'];
    this.rangeDepth = 0;
    this.depth = 1;
    const b = this.list();
    [this.vars, this.rangeDepth, this.depth] = [vars, range, depth];
    if (b.end?.val !== 'end') this.fail(b.end ? `unexpected {{else}} in ${what}` : 'unexpected EOF', b.end ?? this.items[this.items.length - 1]);
    return b.nodes;
  }

  addDef(name: string, nodes: Node[]): void {
    const empty = nodes.every((n) => n.t === 'text' && !n.text.trim());
    if (!empty || !this.defs.has(name)) this.defs.set(name, nodes);
  }

  pipeline(context: string, end: 'right' | 'rparen'): Pipe {
    const first = this.peekNonSpace();
    const pipe: Pipe = { pos: first.pos, src: '', decl: [], assign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const it = this.nextNonSpace();
      if (it.type === end) {
        if (!pipe.cmds.length) this.fail(`missing value for ${context}`, it);
        pipe.src = this.src.slice(first.pos, it.pos).trim();
        pipe.cmds.forEach((c, i) => {
          const w = c.args[0];
          if (i > 0 && (w.t === 'const' || w.t === 'dot' || w.t === 'nil')) this.fail(`non executable command in pipeline stage ${i + 1}`, it);
        });
        return pipe;
      }
      if (['bool', 'dot', 'field', 'ident', 'number', 'nil', 'string', 'var', 'lparen'].includes(it.type)) {
        this.k--;
        pipe.cmds.push(this.command(end));
      } else this.fail(`unexpected ${describeItem(it)} in ${context}`, it);
    }
  }

  declarations(pipe: Pipe, context: string): void {
    const save = this.k;
    const v = this.nextNonSpace();
    if (v.type !== 'var') {
      this.k = save;
      return;
    }
    const op = this.nextNonSpace();
    if (op.type === 'declare' || op.type === 'assign') {
      pipe.assign = op.type === 'assign';
      if (pipe.assign && !this.vars.includes(v.val)) this.fail(`undefined variable ${JSON.stringify(v.val)}`, v);
      pipe.decl.push(v.val);
      this.vars.push(v.val);
      return;
    }
    if (op.type === 'comma' && context === 'range') {
      const v2 = this.expect('var', 'range');
      this.expect('declare', 'range');
      pipe.decl.push(v.val, v2.val);
      this.vars.push(v.val, v2.val);
      return;
    }
    if (op.type === 'comma') this.fail(`too many declarations in ${context}`, op);
    this.k = save;
  }

  command(end: 'right' | 'rparen'): Cmd {
    const start = this.peekNonSpace();
    const cmd: Cmd = { pos: start.pos, src: '', args: [] };
    for (;;) {
      const op = this.operand();
      if (!op) break;
      cmd.args.push(op);
      const it = this.next();
      if (it.type === 'space') {
        const after = this.peek();
        if (after.type === end || after.type === 'pipe') continue;
        continue;
      }
      if (it.type === 'pipe') break;
      if (it.type === end) {
        this.k--;
        break;
      }
      this.fail(`unexpected ${describeItem(it)} in operand`, it);
    }
    if (!cmd.args.length) this.fail('empty command', start);
    const last = cmd.args[cmd.args.length - 1];
    cmd.src = this.src.slice(cmd.pos, last.pos + last.src.length);
    if (this.peekNonSpace().type === 'pipe') this.nextNonSpace();
    return cmd;
  }

  operand(): Arg | undefined {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const names: string[] = [];
    let endPos = node.pos + node.src.length;
    while (this.peek().type === 'field') {
      const f = this.next();
      names.push(f.val.slice(1));
      endPos = f.pos + f.val.length;
    }
    const src = this.src.slice(node.pos, endPos);
    if (node.t === 'field') return { ...node, names: [...node.names, ...names], src };
    if (node.t === 'var') return { ...node, names: [...node.names, ...names], src };
    if (node.t === 'const' || node.t === 'dot' || node.t === 'nil') this.fail(`unexpected . after term ${JSON.stringify(node.src)}`);
    return { t: 'chain', pos: node.pos, src, node, names };
  }

  term(): Arg | undefined {
    const it = this.nextNonSpace();
    const at = { pos: it.pos, src: it.val };
    switch (it.type) {
      case 'ident':
        if (!this.funcs.has(it.val)) this.fail(`function ${JSON.stringify(it.val)} not defined`, it);
        return { ...at, t: 'ident', name: it.val };
      case 'dot': return { ...at, t: 'dot' };
      case 'nil': return { ...at, t: 'nil' };
      case 'var':
        if (!this.vars.includes(it.val)) this.fail(`undefined variable ${JSON.stringify(it.val)}`, it);
        return { ...at, t: 'var', name: it.val, names: [] };
      case 'field': return { ...at, t: 'field', names: [it.val.slice(1)] };
      case 'bool': case 'number': case 'string': return { ...at, t: 'const', value: it.value! };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        const close = this.items[this.k - 1];
        return { pos: it.pos, src: this.src.slice(it.pos, close.pos + 1), t: 'pipe', pipe };
      }
      default:
        this.k--;
        return undefined;
    }
  }
}

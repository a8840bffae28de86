/** Executes a parsed template against JSON-shaped data the way Go's text/template does. */
import { BUILTINS, CallError } from './builtins.js';
import { goString, goType, isStruct, truth } from './goValue.js';
import type { Arg, Cmd, Control, Node, Pipe, Tree } from './parseTemplate.js';

/** An execution failure, already worded like Go's (`template: :1:2: executing <.X>: ...`; Go says `executing "" at <.X>`, which reads like a stack line). */
export class TemplateExecError extends Error {}

const NONE = Symbol('no final value');
type Final = unknown;

/** Fields Docker always has (nil when unset) that berth's JSON omits when empty. */
const OPTIONAL = new Set(['Health', 'Healthcheck', 'Labels', 'Volumes', 'ExposedPorts', 'Entrypoint', 'Cmd', 'OnBuild', 'Shell', 'StopSignal', 'StopTimeout', 'Ports', 'Mounts', 'Networks']);

/** Nesting of `{{template}}` calls (Go allows 100000; a JS stack holds fewer). */
const MAX_DEPTH = 1000;

class Signal {
  constructor(readonly kind: 'break' | 'continue') {}
}

export function executeTemplate(tree: Tree, data: unknown): string {
  return new State(tree, data).run();
}

class State {
  out: string[] = [];
  vars: { name: string; value: unknown }[];
  at: { pos: number; src: string } = { pos: 0, src: '' };
  constructor(readonly tree: Tree, readonly root: unknown) {
    this.vars = [{ name: '$', value: root }];
  }

  run(): string {
    this.walkList(this.root, this.tree.root);
    return this.out.join('');
  }

  fail(msg: string): never {
    const before = this.tree.src.slice(0, this.at.pos);
    const line = before.split('\n').length;
    const col = this.at.pos - (before.lastIndexOf('\n') + 1);
    throw new TemplateExecError(`template: :${line}:${col}: executing <${this.at.src}>: ${msg}`);
  }

  walkList(dot: unknown, nodes: Node[]): void {
    for (const n of nodes) this.walk(dot, n);
  }

  walk(dot: unknown, n: Node): void {
    switch (n.t) {
      case 'text': this.out.push(n.text); return;
      case 'action': {
        const v = this.pipeline(dot, n.pipe);
        if (!n.pipe.decl.length) this.out.push(typeof v === 'string' ? v : goString(v));
        return;
      }
      case 'break': case 'continue': throw new Signal(n.t);
      case 'template': return this.invoke(dot, n);
      case 'range': return this.range(dot, n);
      default: {
        const mark = this.vars.length;
        const v = this.pipeline(dot, n.pipe);
        if (truth(v)) this.walkList(n.t === 'with' ? v : dot, n.list);
        else if (n.else) this.walkList(dot, n.else);
        this.vars.length = mark;
      }
    }
  }

  depth = 0;

  /** `{{template "name" pipeline}}`: the named body with that dot, and `$` set to it (Go's scope). */
  invoke(dot: unknown, n: Extract<Node, { t: 'template' }>): void {
    this.at = n;
    const body = this.tree.defs.get(n.name);
    if (!body) this.fail(`template ${JSON.stringify(n.name)} not defined`);
    const v = n.pipe ? this.pipeline(dot, n.pipe) : null;
    this.at = n;
    if (this.depth >= MAX_DEPTH) this.fail(`exceeded maximum template depth (${MAX_DEPTH})`);
    const vars = this.vars;
    this.vars = [{ name: '$', value: v }];
    this.depth++;
    try {
      this.walkList(v, body);
    } finally {
      this.depth--;
      this.vars = vars;
    }
  }

  range(dot: unknown, n: Control): void {
    const mark = this.vars.length;
    const v = this.pipeline(dot, n.pipe);
    let entries: [unknown, unknown][];
    if (v === null || v === undefined) entries = [];
    else if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (typeof v === 'number' && Number.isInteger(v)) entries = Array.from({ length: Math.max(0, v) }, (_x, i) => [i, i]);
    else if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      entries = Object.keys(o).sort().map((k) => [k, o[k]]);
    } else {
      this.at = n.pipe;
      return this.fail(`range can't iterate over ${goString(v)}`);
    }
    const decl = n.pipe.decl;
    for (const [k, e] of entries) {
      if (decl.length === 1) this.setVar(decl[0], e);
      if (decl.length === 2) {
        this.setVar(decl[0], k);
        this.setVar(decl[1], e);
      }
      try {
        this.walkList(e, n.list);
      } catch (err) {
        if (!(err instanceof Signal)) throw err;
        if (err.kind === 'break') break;
      }
    }
    if (!entries.length && n.else) this.walkList(dot, n.else);
    this.vars.length = mark;
  }

  /** Set the innermost variable called `name` (range's and assignments' variables already exist). */
  setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.vars.push({ name, value });
  }

  variable(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.fail(`undefined variable: ${name}`);
  }

  pipeline(dot: unknown, pipe: Pipe): unknown {
    let v: Final = NONE;
    for (const c of pipe.cmds) v = this.command(dot, c, v);
    for (const d of pipe.decl) {
      if (pipe.assign) this.setVar(d, v);
      else this.vars.push({ name: d, value: v });
    }
    return v;
  }

  command(dot: unknown, cmd: Cmd, final: Final): unknown {
    const first = cmd.args[0];
    this.at = first;
    switch (first.t) {
      case 'field': return this.fieldChain(dot, dot, first, first.names, cmd.args, final);
      case 'chain': return this.fieldChain(dot, this.arg(dot, first.node), first, first.names, cmd.args, final);
      case 'var': {
        const v = this.variable(first.name);
        if (first.names.length) return this.fieldChain(dot, v, first, first.names, cmd.args, final);
        this.notAFunction(cmd.args, final);
        return v;
      }
      case 'ident': return this.call(dot, cmd, first.name, final);
      case 'nil': return this.fail('nil is not a command');
      default:
        this.notAFunction(cmd.args, final);
        return this.arg(dot, first);
    }
  }

  notAFunction(args: Arg[], final: Final): void {
    if (args.length > 1 || final !== NONE) this.fail(`can't give argument to non-function ${args[0].src}`);
  }

  arg(dot: unknown, a: Arg): unknown {
    this.at = a;
    switch (a.t) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'const': return a.value;
      case 'field': return this.fieldChain(dot, dot, a, a.names, [a], NONE);
      case 'var': {
        const v = this.variable(a.name);
        return a.names.length ? this.fieldChain(dot, v, a, a.names, [a], NONE) : v;
      }
      case 'chain': return this.fieldChain(dot, this.arg(dot, a.node), a, a.names, [a], NONE);
      case 'pipe': {
        const mark = this.vars.length;
        const v = this.pipeline(dot, a.pipe);
        this.vars.length = mark;
        return v;
      }
      case 'ident': return this.call(dot, { pos: a.pos, src: a.src, args: [a] }, a.name, NONE);
    }
  }

  fieldChain(dot: unknown, receiver: unknown, node: Arg, names: string[], args: Arg[], final: Final): unknown {
    let cur = receiver;
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      cur = this.field(dot, name, node, last ? args : [node], last ? final : NONE, cur);
    });
    return cur;
  }

  field(dot: unknown, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown): unknown {
    this.at = node;
    const hasArgs = args.length > 1 || final !== NONE;
    if (receiver === undefined) return undefined;
    if (receiver === null) return this.fail(`nil pointer evaluating ${goType(receiver)}.${name}`);
    if (typeof receiver !== 'object' || Array.isArray(receiver)) return this.fail(`can't evaluate field ${name} in type ${goType(receiver)}`);
    const o = receiver as Record<string, unknown>;
    const struct = receiver === this.root || isStruct(receiver);
    if (Object.hasOwn(o, name)) {
      const v = o[name];
      if (typeof v === 'function') {
        const vals = args.slice(1).map((a) => this.arg(dot, a));
        if (final !== NONE) vals.push(final);
        this.at = node;
        if (vals.length !== v.length && !(v as { variadic?: boolean }).variadic) this.fail(`wrong number of args for ${name}: want ${v.length} got ${vals.length}`);
        return v(...vals);
      }
      if (hasArgs) this.fail(struct ? `${name} has arguments but cannot be invoked as function` : `${name} is not a method but has arguments`);
      return v;
    }
    if (struct && OPTIONAL.has(name) && receiver !== this.root) return null;
    if (struct) return this.fail(`can't evaluate field ${name} in type ${goType(receiver)}`);
    if (hasArgs) this.fail(`${name} is not a method but has arguments`);
    return undefined;
  }

  call(dot: unknown, cmd: Cmd, name: string, final: Final): unknown {
    const rest = cmd.args.slice(1);
    const n = rest.length + (final === NONE ? 0 : 1);
    if (name === 'and' || name === 'or') {
      if (n < 1) this.fail(`wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (let i = 0; i < n; i++) {
        v = i < rest.length ? this.arg(dot, rest[i]) : final;
        if (truth(v) === (name === 'or')) return v;
      }
      return v;
    }
    const b = BUILTINS[name];
    const vals = rest.map((a) => this.arg(dot, a));
    if (final !== NONE) vals.push(final);
    this.at = cmd;
    if (b.arity !== undefined && n !== b.arity) this.fail(`wrong number of args for ${name}: want ${b.arity} got ${n}`);
    if (b.min !== undefined && n < b.min) this.fail(`wrong number of args for ${name}: want at least ${b.min} got ${n}`);
    try {
      return b.fn(...vals.map((v) => (v === undefined && name !== 'index' ? null : v)));
    } catch (e) {
      if (e instanceof CallError) this.fail(`error calling ${name}: ${e.message}`);
      throw e;
    }
  }
}

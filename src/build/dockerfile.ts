/**
 * Logical lines -> typed instructions (BuildKit's instructions/ stage): each instruction's
 * flags checked, exec (JSON) vs shell form decided with Docker's fallback (text that is not
 * a JSON array of strings is shell form), ENV/LABEL/ARG pairs split. Values stay raw: the
 * executor expands them (./shellLex.ts) with the variables in scope at that step.
 */
import { lineError, parseLines, type Directives, type Heredoc, type Line } from './dockerfileLines.js';
import { splitWords } from './shellLex.js';

/** Exec form (a JSON array) or shell form (one string, run through SHELL). */
export type CommandForm = { exec: string[] } | { shell: string };
export interface Pair { key: string; value: string }

interface Base { line: number; original: string }
export type Instruction = Base & (
  | { kind: 'FROM'; image: string; as?: string; platform?: string }
  | { kind: 'RUN'; cmd: CommandForm; mounts: string[]; network?: string; security?: string; heredocs: Heredoc[] }
  | { kind: 'CMD' | 'ENTRYPOINT'; cmd: CommandForm }
  | { kind: 'SHELL'; shell: string[] }
  | { kind: 'ENV' | 'LABEL'; pairs: Pair[] }
  | { kind: 'ARG'; args: { name: string; value?: string }[] }
  | { kind: 'EXPOSE'; ports: string }
  | { kind: 'VOLUME'; paths: CommandForm }
  | { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER'; value: string }
  | { kind: 'COPY' | 'ADD'; sources: string[]; dest: string; json: boolean; from?: string; chown?: string; chmod?: string; link: boolean; exclude: string[]; parents: boolean; checksum?: string; keepGitDir: boolean; heredocs: Heredoc[] }
  | { kind: 'HEALTHCHECK'; none: true }
  | { kind: 'HEALTHCHECK'; none: false; cmd: CommandForm; interval?: string; timeout?: string; startPeriod?: string; startInterval?: string; retries?: string }
  | { kind: 'ONBUILD'; trigger: string }
);
export type Kind = Instruction['kind'];

export interface Stage {
  index: number;
  name?: string;
  from: Extract<Instruction, { kind: 'FROM' }>;
  instructions: Instruction[];
}

export interface Dockerfile {
  directives: Directives;
  /** ARGs before the first FROM (usable in FROM lines). */
  globalArgs: Extract<Instruction, { kind: 'ARG' }>[];
  stages: Stage[];
}

const ALL = new Set(['FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'ENV', 'LABEL', 'ARG', 'EXPOSE', 'VOLUME', 'WORKDIR', 'USER', 'STOPSIGNAL', 'MAINTAINER', 'COPY', 'ADD', 'HEALTHCHECK', 'ONBUILD']);

/** Flags each instruction accepts; `true`: may repeat. */
const FLAGS: Record<string, Record<string, boolean>> = {
  FROM: { platform: false },
  RUN: { mount: true, network: false, security: false },
  COPY: { from: false, chown: false, chmod: false, link: false, exclude: true, parents: false },
  ADD: { chown: false, chmod: false, link: false, exclude: true, checksum: false, 'keep-git-dir': false },
  HEALTHCHECK: { interval: false, timeout: false, 'start-period': false, 'start-interval': false, retries: false },
};
const BOOL_FLAGS = new Set(['link', 'parents', 'keep-git-dir']);

class Ctx {
  constructor(readonly file: string, readonly l: Line) {}
  fail(msg: string): never { throw lineError(this.file, this.l.line, msg); }
}

function flagsOf(c: Ctx): Map<string, string[]> {
  const allowed = FLAGS[c.l.cmd] ?? {};
  const out = new Map<string, string[]>();
  for (const f of c.l.flags) {
    const eq = f.indexOf('=');
    const name = eq < 0 ? f : f.slice(0, eq);
    if (!(name in allowed)) c.fail(`unknown flag: ${name}`);
    let value = eq < 0 ? undefined : f.slice(eq + 1);
    if (BOOL_FLAGS.has(name)) {
      if (value !== undefined && value !== 'true' && value !== 'false') c.fail(`expecting boolean value for flag ${name}, not: ${value}`);
      value = value ?? 'true';
    } else if (value === undefined) c.fail(`missing a value on flag: ${name}`);
    const prev = out.get(name);
    if (prev && !allowed[name]) c.fail(`duplicate flag specified: ${name}`);
    out.set(name, [...(prev ?? []), value]);
  }
  return out;
}
const one = (m: Map<string, string[]>, k: string) => m.get(k)?.[0];

/** Docker's rule: a JSON array of strings is exec form; anything else (also bad JSON) is shell form. */
function jsonArray(s: string): string[] | undefined {
  if (!s.trimStart().startsWith('[')) return undefined;
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

function commandForm(rest: string): CommandForm {
  const j = jsonArray(rest);
  return j ? { exec: j } : { shell: rest };
}

/** ENV/LABEL: `k=v k2="v 2"`, or the legacy one-pair form `k v w` (the value is the rest of the line). */
function pairs(c: Ctx, esc: string): Pair[] {
  const rest = c.l.rest;
  if (!rest) c.fail(`${c.l.cmd} requires at least one argument`);
  const words = splitWords(rest, esc);
  if (!words[0].includes('=')) {
    const m = /^(\S+)[ \t]+([\s\S]*)$/.exec(rest);
    if (!m) c.fail(`${c.l.cmd} must have two arguments`);
    return [{ key: m[1], value: m[2] }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) c.fail(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (eq === 0) c.fail(`${c.l.cmd} names can not be blank`);
    return { key: w.slice(0, eq), value: w.slice(eq + 1) };
  });
}

function instruction(c: Ctx, esc: string): Instruction {
  const l = c.l;
  const base = { line: l.line, original: l.original };
  if (!ALL.has(l.cmd)) c.fail(`unknown instruction: ${l.cmd}`);
  const f = flagsOf(c);
  const needArgs = () => { if (!l.rest && l.heredocs.length === 0) c.fail(`${l.cmd} requires at least one argument`); };
  switch (l.cmd) {
    case 'FROM': {
      const w = l.rest.split(/[ \t]+/).filter(Boolean);
      if (w.length !== 1 && !(w.length === 3 && w[1].toLowerCase() === 'as')) c.fail('FROM requires either one or three arguments');
      if (w[2] !== undefined && !/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(w[2])) c.fail(`invalid name for build stage: "${w[2]}", name can't start with a number or contain symbols`);
      return { ...base, kind: 'FROM', image: w[0], as: w[2]?.toLowerCase(), platform: one(f, 'platform') };
    }
    case 'RUN':
      needArgs();
      return { ...base, kind: 'RUN', cmd: commandForm(l.rest), mounts: f.get('mount') ?? [], network: one(f, 'network'), security: one(f, 'security'), heredocs: l.heredocs };
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...base, kind: l.cmd, cmd: commandForm(l.rest) };
    case 'SHELL': {
      const j = jsonArray(l.rest);
      if (!j || j.length === 0) c.fail('SHELL requires the arguments to be in JSON form');
      return { ...base, kind: 'SHELL', shell: j };
    }
    case 'ENV':
    case 'LABEL':
      return { ...base, kind: l.cmd, pairs: pairs(c, esc) };
    case 'ARG': {
      needArgs();
      const args = splitWords(l.rest, esc).map((w) => {
        const eq = w.indexOf('=');
        const name = eq < 0 ? w : w.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) c.fail(`invalid ARG name: ${JSON.stringify(name)}`);
        return eq < 0 ? { name } : { name, value: w.slice(eq + 1) };
      });
      return { ...base, kind: 'ARG', args };
    }
    case 'EXPOSE':
      needArgs();
      return { ...base, kind: 'EXPOSE', ports: l.rest };
    case 'VOLUME':
      needArgs();
      return { ...base, kind: 'VOLUME', paths: commandForm(l.rest) };
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      if (!l.rest) c.fail(`${l.cmd} requires exactly one argument`);
      return { ...base, kind: l.cmd, value: l.rest };
    case 'COPY':
    case 'ADD':
      return copyInstr(c, f, esc);
    case 'HEALTHCHECK':
      return healthcheck(c, f);
    case 'ONBUILD': {
      const m = /^(\S+)/.exec(l.rest);
      if (!m) c.fail('ONBUILD requires at least one argument');
      const t = m[1].toUpperCase();
      if (t === 'ONBUILD') c.fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (t === 'FROM' || t === 'MAINTAINER') c.fail(`${t} isn't allowed as an ONBUILD trigger`);
      parseTrigger(l.rest, c.file, l.line, esc);
      return { ...base, kind: 'ONBUILD', trigger: l.rest };
    }
  }
  return c.fail(`unknown instruction: ${l.cmd}`);
}

function copyInstr(c: Ctx, f: Map<string, string[]>, esc: string): Instruction {
  const l = c.l;
  const cmd = l.cmd as 'COPY' | 'ADD';
  const j = jsonArray(l.rest);
  const words = j ?? splitWords(l.rest, esc);
  if (words.length < 2) c.fail(`${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);
  const sources = words.slice(0, -1);
  return {
    line: l.line, original: l.original, kind: cmd, sources, dest: words[words.length - 1], json: !!j,
    from: one(f, 'from'), chown: one(f, 'chown'), chmod: one(f, 'chmod'), link: one(f, 'link') === 'true',
    exclude: f.get('exclude') ?? [], parents: one(f, 'parents') === 'true', checksum: one(f, 'checksum'),
    keepGitDir: one(f, 'keep-git-dir') === 'true', heredocs: l.heredocs,
  };
}

function healthcheck(c: Ctx, f: Map<string, string[]>): Instruction {
  const l = c.l;
  const base = { line: l.line, original: l.original };
  const m = /^(\S+)[ \t]*([\s\S]*)$/.exec(l.rest);
  if (!m) c.fail('HEALTHCHECK requires at least one argument');
  const word = m[1].toUpperCase();
  if (word === 'NONE') {
    if (m[2] || l.flags.length) c.fail('HEALTHCHECK NONE takes no arguments');
    return { ...base, kind: 'HEALTHCHECK', none: true };
  }
  if (word !== 'CMD') c.fail(`Unknown type "${word}" in HEALTHCHECK (try CMD)`);
  if (!m[2]) c.fail('Missing command after HEALTHCHECK CMD');
  return {
    ...base, kind: 'HEALTHCHECK', none: false, cmd: commandForm(m[2]),
    interval: one(f, 'interval'), timeout: one(f, 'timeout'), startPeriod: one(f, 'start-period'), startInterval: one(f, 'start-interval'), retries: one(f, 'retries'),
  };
}

/** An ONBUILD trigger's text as an instruction (line numbers point at the ONBUILD line). */
export function parseTrigger(text: string, file: string, line: number, esc = '\\'): Instruction {
  const { lines } = parseLines(`# escape=${esc}\n${text}\n`, file);
  if (lines.length !== 1) throw lineError(file, line, 'ONBUILD trigger must be one instruction');
  const l = { ...lines[0], line };
  return instruction(new Ctx(file, l), esc);
}

/** Parse a whole Dockerfile into its global ARGs and stages. Errors: `FILE:LINE: message`. */
export function parseDockerfile(text: string, file = 'Dockerfile'): Dockerfile {
  const { directives, lines } = parseLines(text, file);
  const esc = directives.escape;
  const globalArgs: Dockerfile['globalArgs'] = [];
  const stages: Stage[] = [];
  const names = new Set<string>();
  for (const l of lines) {
    const ins = instruction(new Ctx(file, l), esc);
    if (ins.kind === 'FROM') {
      if (ins.as) {
        if (names.has(ins.as)) throw lineError(file, l.line, `duplicate stage name "${ins.as}"`);
        names.add(ins.as);
      }
      stages.push({ index: stages.length, name: ins.as, from: ins, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.kind !== 'ARG') throw lineError(file, l.line, 'no build stage in current context');
      globalArgs.push(ins);
    } else stages[stages.length - 1].instructions.push(ins);
  }
  if (stages.length === 0) throw lineError(file, undefined, 'file with no instructions');
  return { directives, globalArgs, stages };
}

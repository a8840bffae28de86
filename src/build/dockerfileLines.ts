/**
 * Dockerfile text -> logical lines (BuildKit's parser/ stage): parser directives, comments,
 * line continuations (also `\r\n`), the instruction word, its leading `--flags`, the rest of
 * the line, and the bodies of its heredocs. No expansion here (./shellLex.ts does that).
 */
import { invalidArgument, type BerthError } from '../errors.js';

export interface Heredoc {
  name: string;
  /** Body with a trailing newline (`<<-`: leading tabs stripped from each line). */
  body: string;
  /** The delimiter was quoted: no expansion in the body. */
  quoted: boolean;
  stripTabs: boolean;
}

export interface Line {
  /** Upper-case instruction word. */
  cmd: string;
  /** `--name=value` / `--name` words before the arguments, as written (without `--`). */
  flags: string[];
  /** The rest of the logical line after the flags (continuations joined, comments dropped). */
  rest: string;
  /** The logical line as written (for history and errors), continuations joined. */
  original: string;
  heredocs: Heredoc[];
  /** 1-based line number of the instruction's first line. */
  line: number;
}

export interface Directives {
  escape: string;
  syntax?: string;
  check?: string;
}

export interface ParsedLines {
  directives: Directives;
  lines: Line[];
}

/** `Dockerfile:7: message` — the one form every Dockerfile error takes; exit 1 as Docker's build. */
export function lineError(file: string, line: number | undefined, msg: string): BerthError {
  return invalidArgument(line === undefined ? `${file}: ${msg}` : `${file}:${line}: ${msg}`, { exitCode: 1, code: 'dockerfile.invalid' });
}

const DIRECTIVE = /^#[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(.*?)[ \t]*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);
/** Instructions whose arguments may hold heredocs. */
const HEREDOC_CMDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC = /(?:^|[\s0-9])<<(-?)[ \t]*(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2(?=$|[\s;&|>)])/g;

function readDirectives(phys: string[], file: string): { directives: Directives; start: number } {
  const d: Directives = { escape: '\\' };
  const seen = new Set<string>();
  let i = 0;
  for (; i < phys.length; i++) {
    const m = DIRECTIVE.exec(phys[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (!KNOWN.has(key)) break;
    if (seen.has(key)) throw lineError(file, i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw lineError(file, i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      d.escape = m[2];
    } else if (key === 'syntax') d.syntax = m[2];
    else d.check = m[2];
  }
  return { directives: d, start: i };
}

const isComment = (s: string) => /^[ \t]*#/.test(s);
const isBlank = (s: string) => /^[ \t]*$/.test(s);

/** Heredoc markers in an instruction's arguments, in order. */
function heredocMarkers(rest: string): { name: string; quoted: boolean; stripTabs: boolean }[] {
  const out = [];
  for (const m of rest.matchAll(HEREDOC)) out.push({ name: m[3], quoted: m[2] !== '', stripTabs: m[1] === '-' });
  return out;
}

export function parseLines(text: string, file = 'Dockerfile'): ParsedLines {
  const phys = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (phys.length && phys[phys.length - 1] === '') phys.pop();
  const { directives, start } = readDirectives(phys, file);
  const esc = directives.escape;
  const cont = new RegExp(`${esc === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const lines: Line[] = [];
  for (let i = start; i < phys.length; i++) {
    if (isBlank(phys[i]) || isComment(phys[i])) continue;
    const first = i;
    let joined = '';
    let cur = phys[i].replace(/^[ \t]+/, '');
    while (cont.test(cur)) {
      joined += cur.replace(cont, '');
      i++;
      while (i < phys.length && (isComment(phys[i]) || isBlank(phys[i]))) i++;
      if (i >= phys.length) { cur = ''; break; }
      cur = phys[i];
    }
    joined += cur;
    const m = /^(\S+)[ \t]*([\s\S]*)$/.exec(joined)!;
    const cmd = m[1].toUpperCase();
    const { flags, rest } = cmd === 'ONBUILD' ? { flags: [], rest: m[2] } : splitFlags(m[2]);
    const heredocs: Heredoc[] = [];
    if (HEREDOC_CMDS.has(cmd)) {
      for (const h of heredocMarkers(rest)) {
        const body: string[] = [];
        for (;;) {
          i++;
          if (i >= phys.length) throw lineError(file, first + 1, `unterminated heredoc ${h.name}`);
          const l = h.stripTabs ? phys[i].replace(/^\t+/, '') : phys[i];
          if (l === h.name) break;
          body.push(l);
        }
        heredocs.push({ ...h, body: body.length ? `${body.join('\n')}\n` : '' });
      }
    }
    lines.push({ cmd, flags, rest: rest.replace(/[ \t]+$/, ''), original: joined.replace(/[ \t]+$/, ''), heredocs, line: first + 1 });
  }
  return { directives, lines };
}

/** Leading `--flag[=value]` words (BuildKit extracts them for every instruction but ONBUILD). */
function splitFlags(s: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = s;
  for (;;) {
    const m = /^--(\S*)[ \t]*/.exec(rest);
    if (!m) break;
    if (m[1] === '') { rest = rest.slice(m[0].length); break; }
    flags.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

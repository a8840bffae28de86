import { invalidArgument } from '../../errors.js';

/** Docker's `units.HumanSizeWithPrecision(n, 3)`: decimal units, 3 significant digits. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** Docker's `units.HumanDuration`. */
export function humanDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(seconds / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.floor(seconds / 3600 + 0.5);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

export function since(unixSeconds: number): string {
  if (!unixSeconds) return 'N/A';
  return `${humanDuration(Date.now() / 1000 - unixSeconds)} ago`;
}

/** Go's fmt %v for JSON-ish values, as Docker's templates print them. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goString(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

type Val = unknown;

function field(dot: Val, pathStr: string): Val {
  if (pathStr === '.') return dot;
  let cur = dot;
  for (const p of pathStr.slice(1).split('.')) {
    if (cur === null || typeof cur !== 'object') throw invalidArgument(`template: can't evaluate field ${p}`);
    const o = cur as Record<string, Val>;
    if (!(p in o)) throw invalidArgument(`template: can't evaluate field ${p} in type ${Array.isArray(cur) ? 'slice' : 'object'}`);
    cur = o[p];
  }
  return cur;
}

function tokens(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] !== undefined ? JSON.stringify(JSON.parse(`"${m[1]}"`)) : m[2]);
  return out;
}

function evalArg(t: string, dot: Val): Val {
  if (t.startsWith('"')) return JSON.parse(t);
  if (t.startsWith('.')) return field(dot, t);
  if (/^-?\d+$/.test(t)) return Number(t);
  throw invalidArgument(`template: unexpected ${JSON.stringify(t)}`);
}

const FUNCS: Record<string, (...a: Val[]) => Val> = {
  json: (v) => JSON.stringify(v ?? null),
  join: (a, sep) => (Array.isArray(a) ? a.map(String).join(String(sep)) : String(a)),
  upper: (s) => String(s).toUpperCase(),
  lower: (s) => String(s).toLowerCase(),
  title: (s) => String(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  len: (a) => (Array.isArray(a) ? a.length : typeof a === 'string' ? a.length : Object.keys(a ?? {}).length),
  index: (o, k) => (o as Record<string, Val>)?.[String(k)],
  println: (...a) => `${a.map(goString).join(' ')}\n`,
};

function evalPipeline(expr: string, dot: Val): Val {
  let val: Val = undefined;
  let first = true;
  for (const stage of expr.split('|').map((s) => s.trim())) {
    const ts = tokens(stage);
    if (ts.length === 0) throw invalidArgument('template: empty command');
    const f = FUNCS[ts[0]];
    if (f) {
      const args = ts.slice(1).map((t) => evalArg(t, dot));
      if (!first) args.push(val);
      val = f(...args);
    } else {
      if (ts.length > 1 || !first) throw invalidArgument(`template: function ${JSON.stringify(ts[0])} not defined`);
      val = evalArg(ts[0], dot);
    }
    first = false;
  }
  return val;
}

/** Render a Docker `--format` Go template (fields, json, join, upper, lower, title, len, index, println). */
export function renderTemplate(tpl: string, dot: Val): string {
  let out = '';
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) {
      out += tpl.slice(i);
      break;
    }
    out += tpl.slice(i, open);
    const close = tpl.indexOf('}}', open);
    if (close < 0) throw invalidArgument(`template parsing error: unclosed action in ${JSON.stringify(tpl)}`);
    const v = evalPipeline(tpl.slice(open + 2, close).replace(/^-\s*|\s*-$/g, ''), dot);
    out += typeof v === 'string' ? v : goString(v);
    i = close + 2;
  }
  return out;
}

/** Go's text/tabwriter with Docker's settings (minwidth 10, padding 3). */
export function tabulate(lines: string[], minWidth = 10, padding = 3): string {
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, Math.max(minWidth, c.length + padding))));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('') + '\n').join('');
}

/**
 * Print rows the Docker way: `table ...` => header + aligned columns; a plain template =>
 * one rendered line per row; `json` => one JSON object per line.
 */
export function printFormatted(format: string, rows: Record<string, unknown>[], headers: Record<string, string>): string {
  const f = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (f === 'json') return rows.map((r) => JSON.stringify(r) + '\n').join('');
  if (f.startsWith('table')) {
    const body = f.slice(5).trim() || Object.keys(headers).map((k) => `{{.${k}}}`).join('\t');
    const h: Record<string, string> = {};
    for (const k of [...Object.keys(rows[0] ?? {}), ...Object.keys(headers)]) h[k] = headers[k] ?? k.toUpperCase();
    const head = renderTemplate(body, h);
    return tabulate([head, ...rows.map((r) => renderTemplate(body, r))]);
  }
  return rows.map((r) => renderTemplate(f, r) + '\n').join('');
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

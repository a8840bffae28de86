import { humanDuration } from '../../engine/humanDuration.js';
import { invalidArgument } from '../../errors.js';
import { FUNC_NAMES } from '../template/builtins.js';
import { executeTemplate, TemplateExecError } from '../template/executeTemplate.js';
import { TemplateSyntaxError } from '../template/lexTemplate.js';
import { parseTemplate, type Tree } from '../template/parseTemplate.js';

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

export function since(unixSeconds: number): string {
  if (!unixSeconds) return 'N/A';
  return `${humanDuration(Date.now() / 1000 - unixSeconds)} ago`;
}

export { goString } from '../template/goValue.js';

const parsed = new Map<string, Tree>();

/** Parse once per distinct template (ps/images render one per row). */
function compile(tpl: string): Tree {
  let tree = parsed.get(tpl);
  if (!tree) {
    try {
      tree = parseTemplate(tpl, FUNC_NAMES);
    } catch (e) {
      if (e instanceof TemplateSyntaxError) throw invalidArgument(`template: :${e.line}: ${e.message}`, { exitCode: 125 });
      throw e;
    }
    if (parsed.size > 64) parsed.clear();
    parsed.set(tpl, tree);
  }
  return tree;
}

/**
 * Render a Docker `--format` Go template: a subset of text/template (fields, variables, pipelines,
 * if/else/with/range, comments, trim markers, Go's and Docker's functions; see src/cli/template/).
 * Parse errors exit 125; execution errors are InvalidArgument worded like Go's.
 */
export function renderTemplate(tpl: string, dot: unknown): string {
  const tree = compile(tpl);
  try {
    return executeTemplate(tree, dot);
  } catch (e) {
    if (e instanceof TemplateExecError) throw invalidArgument(e.message);
    throw e;
  }
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
    // Each column heads itself with its title; a row method (ps's .Label "key") too, whatever its arguments.
    const h: Record<string, unknown> = {};
    for (const k of [...Object.keys(rows[0] ?? {}), ...Object.keys(headers)]) {
      const title = headers[k] ?? k.toUpperCase();
      h[k] = Object.assign(() => title, { variadic: true });
    }
    const head = renderTemplate(body, h);
    return tabulate([head, ...rows.map((r) => renderTemplate(body, r))]);
  }
  return rows.map((r) => renderTemplate(f, r) + '\n').join('');
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

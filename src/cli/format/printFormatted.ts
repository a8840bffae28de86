import { renderTemplate } from './renderTemplate.js';

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

/**
 * `.env`, `--env-file` and `env_file:` files as docker compose reads them: `KEY=VALUE` or
 * `export KEY=VALUE`, `#` comments (inline after a space in unquoted values), single quotes
 * literal, double quotes with `\n \t \\ \" \$` escapes, values interpolated (`${VAR}`) from
 * the keys above them and then from `lookup`; a bare `KEY` takes `lookup`'s value. Pure.
 */
import { configError } from './configError.js';
import { interpolateString, type Lookup } from './interpolate.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseDotEnv(text: string, file: string, lookup: Lookup = () => undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const look: Lookup = (n) => (Object.hasOwn(out, n) ? out[n] : lookup(n));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const body = line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    const key = (eq < 0 ? body : body.slice(0, eq)).trim();
    if (!KEY.test(key)) throw configError(`failed to read ${file}: line ${i + 1}: unexpected character "${key[0] ?? '='}" in variable name "${key}"`);
    if (eq < 0) {
      const v = lookup(key);
      if (v !== undefined) out[key] = v;
      continue;
    }
    let raw = body.slice(eq + 1).trimStart();
    const q = raw[0];
    if (q === '"' || q === "'") {
      // A quoted value may run over several lines until its closing quote.
      let end = closingQuote(raw, q);
      while (end < 0 && i + 1 < lines.length) {
        raw += '\n' + lines[++i];
        end = closingQuote(raw, q);
      }
      if (end < 0) throw configError(`failed to read ${file}: line ${i + 1}: unterminated quoted value`);
      const inner = raw.slice(1, end);
      out[key] = q === "'" ? inner : interpolateString(unescape(inner), { lookup: look }, key);
      continue;
    }
    const hash = raw.search(/\s#/);
    const value = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    out[key] = interpolateString(value, { lookup: look }, key);
  }
  return out;
}

function closingQuote(s: string, q: string): number {
  for (let i = 1; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
}

function unescape(s: string): string {
  // `\$` stays `$$` so interpolation turns it into one literal `$`.
  return s.replace(/\\([nrt"\\$])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$$' })[c] ?? c);
}

import { spawnSync } from 'node:child_process';
import { internal } from '../errors.js';

/** Escape a path the way getfattr/setfattr dumps do (octal for control, space-safe, `\\`, `=`). */
function escapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p)) {
    if (b < 0x20 || b === 0x5c || b === 0x3d || b >= 0x7f) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

function unescapePath(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(...Buffer.from(s[i]));
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface XattrSet {
  path: string;
  attrs: Map<string, Buffer>;
}

/**
 * Set extended attributes on many files with one `setfattr --restore` (Debian's `attr`).
 * Values are passed base64-encoded so binary values (security.capability) survive exactly.
 * Symlinks are not followed.
 */
export function setXattrs(items: XattrSet[]): void {
  if (items.length === 0) return;
  const lines: string[] = [];
  for (const it of items) {
    if (it.attrs.size === 0) continue;
    lines.push(`# file: ${escapePath(it.path)}`);
    for (const [k, v] of it.attrs) lines.push(`${k}=0s${v.toString('base64')}`);
    lines.push('');
  }
  const r = spawnSync('setfattr', ['-h', '--restore=-'], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw internal(`setfattr: ${r.error.message}`, { hint: 'install the attr package', cause: r.error });
  if (r.status !== 0) throw internal(`setfattr: ${(r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`}`);
}

/**
 * Every extended attribute under `dir` (recursive, symlinks not followed), keyed by
 * absolute path. `match` is a getfattr regex for names (default: all namespaces).
 */
export function dumpXattrs(dir: string, match = '-'): Map<string, Map<string, Buffer>> {
  const r = spawnSync('getfattr', ['-R', '-P', '-h', '-d', '-m', match, '-e', 'base64', '--absolute-names', dir], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw internal(`getfattr: ${r.error.message}`, { hint: 'install the attr package', cause: r.error });
  const out = new Map<string, Map<string, Buffer>>();
  let cur: Map<string, Buffer> | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      cur = new Map();
      out.set(unescapePath(line.slice(8)), cur);
    } else if (cur && line.includes('=')) {
      const eq = line.indexOf('=');
      const v = line.slice(eq + 1);
      const val = v.startsWith('0s') ? Buffer.from(v.slice(2), 'base64') : v.startsWith('"') ? Buffer.from(v.slice(1, -1)) : Buffer.from(v.replace(/^0x/, ''), 'hex');
      cur.set(line.slice(0, eq), val);
    }
  }
  return out;
}

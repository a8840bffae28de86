/**
 * `.dockerignore` with Docker's semantics: one pattern a line, `#` comments, blank lines
 * skipped, leading/trailing blanks trimmed, `!` makes an exception, a leading `/` and `./`
 * mean the context root (patterns are cleaned like Go's filepath.Clean), `*` and `?` stay
 * within one path component, `**` spans any number of them, `[...]` classes and `\` escapes.
 * A path is excluded when the last pattern matching it, or one of its parent directories,
 * is not an exception.
 */
import path from 'node:path';

export interface IgnorePattern { re: RegExp; exception: boolean; dirs: number }

function cleanPattern(p: string): string {
  const c = path.posix.normalize(p.replace(/^\/+/, ''));
  return c === '.' ? '' : c.replace(/\/+$/, '');
}

/** A glob (one or more `/`-separated components) as an anchored RegExp; `**` crosses `/`. */
export function globRegExp(glob: string, doubleStar = true): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (doubleStar && glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]);
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

const escapeRe = (c: string) => c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let l = raw.trim();
    if (!l || l.startsWith('#')) continue;
    let exception = false;
    if (l.startsWith('!')) {
      exception = true;
      l = l.slice(1).trim();
    }
    const p = cleanPattern(l);
    if (!p) continue;
    out.push({ re: globRegExp(p), exception, dirs: p.split('/').length });
  }
  return out;
}

export class IgnoreMatcher {
  constructor(readonly patterns: IgnorePattern[]) {}

  /** Is `rel` (context-relative, `/`-separated, no leading `./`) excluded? */
  excluded(rel: string): boolean {
    if (this.patterns.length === 0) return false;
    const parts = rel.split('/');
    let ex = false;
    for (const p of this.patterns) {
      let hit = p.re.test(rel);
      // A pattern also matches a path when it matches one of its parent directories.
      for (let n = 1; !hit && n < parts.length; n++) hit = p.re.test(parts.slice(0, n).join('/'));
      if (hit) ex = !p.exception;
    }
    return ex;
  }

  /** Could something below the directory `rel` be re-included by an exception? (then walk it anyway) */
  mayInclude(rel: string): boolean {
    return this.patterns.some((p) => p.exception);
  }
}

/**
 * A `command:` or `entrypoint:` string split into words as docker compose splits it (POSIX
 * shell quoting without expansion): spaces separate, single quotes are literal, double
 * quotes allow `\"` and `\\`, a backslash outside quotes escapes the next character.
 */
import { configError } from './configError.js';

export function splitWords(s: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw configError(`${where}: invalid command line string`);
      cur += s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\' || s[j + 1] === '$')) j++;
        cur += s[j];
      }
      if (j >= s.length) throw configError(`${where}: invalid command line string`);
      i = j;
    } else cur += c;
  }
  if (inWord) out.push(cur);
  return out;
}

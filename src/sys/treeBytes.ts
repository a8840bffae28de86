import fs from 'node:fs';
import path from 'node:path';

/** Sum of regular file sizes under `dir`; entries vanishing meanwhile are skipped. */
export function treeBytes(dir: string): number {
  let n = 0;
  const seen = new Set<string>();
  const walk = (d: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      return;
    }
    for (const x of names) {
      let st: fs.Stats;
      try {
        st = fs.lstatSync(path.join(d, x));
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(path.join(d, x));
      else if (st.isFile()) {
        const k = `${st.dev}:${st.ino}`;
        if (!seen.has(k)) n += st.size;
        seen.add(k);
      }
    }
  };
  walk(dir);
  return n;
}

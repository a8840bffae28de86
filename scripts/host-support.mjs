#!/usr/bin/env node
// Prints the capability probe's view of this host (src/engine/hostSupport.ts): the one the
// engine's warnings and the tests' expectations come from. CI (.ci/run) runs it right after the build, so a failure
// on another machine can be read from its log. Needs `npm run build` (it runs dist/).
// Usage: node scripts/host-support.mjs [--json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const { hostSupport, formatHostSupport } = await import(path.join(here, '..', 'dist', 'src', 'engine', 'hostSupport.js'));
const h = hostSupport({ idmapProbeDir: process.getuid?.() === 0 ? os.tmpdir() : undefined });
if (process.argv.includes('--json')) console.log(JSON.stringify(h, null, 2));
else {
  // The active I/O scheduler of each disk ([bfq] is what gives blkio weights on v1).
  const disks = fs.existsSync('/sys/block') ? fs.readdirSync('/sys/block').filter((d) => !/^(loop|ram|zram)/.test(d)) : [];
  const sched = disks.map((d) => {
    try { return `${d} ${/\[(\S+)\]/.exec(fs.readFileSync(`/sys/block/${d}/queue/scheduler`, 'utf8'))?.[1] ?? '?'}`; } catch { return `${d} ?`; }
  });
  console.log(`host: Linux ${os.release()}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 20)} MiB`);
  console.log(formatHostSupport(h));
  console.log(`disk schedulers: ${sched.join(', ') || 'no disks'}`);
}

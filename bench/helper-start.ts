/**
 * bench/helper-start: what starting clean costs the helper (issue 21: at most 2 ms on `run --rm`).
 * Every `berth-helper run|exec` first re-executes itself from a detached read-only bind mount of
 * its binary (native/src/sealed.c) unless it already runs from a read-only mount. Measured here,
 * in the same run and with the same measure (spawn to exit, wall time, median): the installed
 * helper (re-exec) against the same binary on a read-only bind mount (no re-exec: the baseline),
 * each loading an empty plan and stopping there. Usage: node dist/bench/helper-start.js [iterations]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { helperPath } from '../src/sys/paths.js';
import { tmpDir } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 300);
const dir = tmpDir('berth-bench-helper-');
const plan = path.join(dir, 'empty.plan');
fs.writeFileSync(plan, '');
const ro = path.join(dir, 'ro');
fs.mkdirSync(ro);
fs.copyFileSync(helperPath, path.join(dir, 'berth-helper'));
fs.chmodSync(path.join(dir, 'berth-helper'), 0o755);
const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
let mounted = false;
try {
  if (sh(`mount --bind ${dir} ${ro} && mount -o remount,bind,ro ${ro}`).status !== 0) throw new Error('cannot make a read-only bind mount (needs root)');
  mounted = true;
  const cases: [string, string][] = [['read-only mount (baseline)', path.join(ro, 'berth-helper')], ['installed helper (sealed re-exec)', helperPath]];
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < N; i++) {
    cases.forEach(([, bin], k) => {
      const t0 = process.hrtime.bigint();
      spawnSync(bin, ['run', plan], { stdio: 'ignore' });
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const [base, sealed] = times.map(median);
  cases.forEach(([name], k) => console.log(`${name.padEnd(36)} median ${median(times[k]).toFixed(2)} ms`));
  console.log(`sealed start costs ${(sealed - base).toFixed(2)} ms per helper start; ratio sealed/baseline ${(sealed / base).toFixed(2)}`);
} finally {
  if (mounted) sh(`umount ${ro}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

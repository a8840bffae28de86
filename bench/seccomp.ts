/**
 * bench/seccomp: compile time of the default profile (cold, cached in memory,
 * cached on disk) and container start time with and without it, in one run.
 * Targets (issue #4): cached compile <= 1 ms; the profile adds <= 2 ms to a start.
 * Run as root after `npx tsc -p .`: node dist/bench/seccomp.js [starts=20]
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { compileSeccomp } from '../src/runtime/seccomp/compile.js';
import { clearMemoryCache } from '../src/runtime/seccomp/cache.js';
import { defaultSeccompProfile } from '../src/runtime/seccomp/defaultProfile.js';
import { DEFAULT_CAPS } from '../src/runtime/capabilities.js';
import { berthBin, tmpDir } from '../test/helpers.js';
import { cleanupBox, hasCompiler, makeBox, specFor } from '../test/integration/escapeHarness.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => `${n.toFixed(3)} ms`;

function time(n: number, f: () => void): number {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    f();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}

function compileBench(): void {
  const cacheDir = tmpDir('berth-bench-seccomp-');
  try {
    const profile = defaultSeccompProfile(DEFAULT_CAPS);
    const cold = time(30, () => { clearMemoryCache(); compileSeccomp(profile); });
    compileSeccomp(profile, 'x86_64', { cacheDir });
    const disk = time(100, () => { clearMemoryCache(); compileSeccomp(profile, 'x86_64', { cacheDir }); });
    const memory = time(1000, () => compileSeccomp(profile));
    // Baseline in the same run: building the profile object itself (what every caller pays anyway).
    const build = time(100, () => defaultSeccompProfile(DEFAULT_CAPS));
    const insns = compileSeccomp(profile).program.length / 8;
    console.log(`default profile: ${insns} BPF instructions (limit 4096)`);
    console.log(`compile cold:          ${ms(cold)}`);
    console.log(`compile cached (disk): ${ms(disk)}  ratio to cold ${(disk / cold).toFixed(3)}`);
    console.log(`compile cached (mem):  ${ms(memory)}  ratio to cold ${(memory / cold).toFixed(4)}  target <= 1 ms: ${memory <= 1 && disk <= 1 ? 'met' : 'MISSED'}`);
    console.log(`baseline: building the profile object ${ms(build)}`);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** What one CLI start pays: the first compile in a fresh node process (cold JIT), without and with the disk cache. */
function freshProcessBench(n: number): void {
  const cacheDir = tmpDir('berth-bench-seccomp-');
  const dist = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src', 'runtime', 'seccomp');
  const script = (dir: string) => `
    const { compileSeccomp } = await import(${JSON.stringify(path.join(dist, 'compile.js'))});
    const { defaultSeccompProfile } = await import(${JSON.stringify(path.join(dist, 'defaultProfile.js'))});
    const p = defaultSeccompProfile(${JSON.stringify(DEFAULT_CAPS)});
    const t = process.hrtime.bigint();
    compileSeccomp(p, 'x86_64', ${dir ? `{ cacheDir: ${JSON.stringify(dir)} }` : '{}'});
    console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const once = (dir: string) => Number(spawnSync(process.execPath, ['--input-type=module', '-e', script(dir)], { encoding: 'utf8' }).stdout.trim());
  try {
    once(cacheDir); // fill the disk cache
    const cold: number[] = [];
    const disk: number[] = [];
    for (let i = 0; i < n; i++) { cold.push(once('')); disk.push(once(cacheDir)); }
    const [c, d] = [median(cold), median(disk)];
    console.log(`fresh process (one CLI start), median of ${n}: compile cold ${ms(c)}, from disk cache ${ms(d)}; ratio ${(d / c).toFixed(3)}`);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

function startBench(n: number): void {
  if (process.getuid?.() !== 0 || !hasCompiler()) {
    console.log('start time: skipped (needs root and cc)');
    return;
  }
  const box = makeBox();
  try {
    const run = (withProfile: boolean) => {
      const spec = specFor(withProfile ? {} : { securityOpt: ['seccomp=unconfined'] }, ['true']);
      fs.writeFileSync(path.join(box.dir, 'config.json'), JSON.stringify(spec));
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [berthBin, 'runtime', '--root', box.root, 'run', `b${Math.random().toString(16).slice(2, 10)}`], {
        cwd: box.dir, encoding: 'utf8', env: { ...process.env, BERTH_TIMING: '1' },
      });
      const wall = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`berth runtime run: ${r.stderr}`);
      const helper = /helper clone->exec ([\d.]+) ms/.exec(r.stderr);
      return { wall, helper: helper ? Number(helper[1]) : NaN };
    };
    run(true); run(false); // warm up
    const on: { wall: number; helper: number }[] = [];
    const off: { wall: number; helper: number }[] = [];
    for (let i = 0; i < n; i++) { on.push(run(true)); off.push(run(false)); } // interleaved
    const [wOn, wOff] = [median(on.map((x) => x.wall)), median(off.map((x) => x.wall))];
    const paired = median(on.map((x, i) => x.wall - off[i]!.wall));
    const [hOn, hOff] = [median(on.map((x) => x.helper)), median(off.map((x) => x.helper))];
    console.log(`start (berth runtime run true, median of ${n}): unconfined ${ms(wOff)}, default profile ${ms(wOn)}; adds ${ms(wOn - wOff)}, ratio ${(wOn / wOff).toFixed(3)}`);
    if (!Number.isNaN(hOn)) {
      console.log(`helper clone->exec: unconfined ${ms(hOff)}, default profile ${ms(hOn)}; adds ${ms(hOn - hOff)}, ratio ${(hOn / hOff).toFixed(3)}`);
    }
    console.log(`median of paired differences: ${ms(paired)} (wall clock of a whole CLI start varies by several ms run to run)`);
    console.log(`target: profile adds <= 2 ms to a start: ${paired <= 2 ? 'met' : 'MISSED'} (paired wall clock)`);
  } finally {
    cleanupBox(box);
  }
}

compileBench();
freshProcessBench(10);
startBench(Number(process.argv[2] ?? 30));

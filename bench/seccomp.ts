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
    const [hOn, hOff] = [median(on.map((x) => x.helper)), median(off.map((x) => x.helper))];
    console.log(`start (berth runtime run true, median of ${n}): unconfined ${ms(wOff)}, default profile ${ms(wOn)}; adds ${ms(wOn - wOff)}, ratio ${(wOn / wOff).toFixed(3)}`);
    if (!Number.isNaN(hOn)) {
      console.log(`helper clone->exec: unconfined ${ms(hOff)}, default profile ${ms(hOn)}; adds ${ms(hOn - hOff)}, ratio ${(hOn / hOff).toFixed(3)}`);
    }
    console.log(`target: profile adds <= 2 ms to a start: ${wOn - wOff <= 2 ? 'met' : 'MISSED'} (wall clock)`);
  } finally {
    cleanupBox(box);
  }
}

compileBench();
startBench(Number(process.argv[2] ?? 20));

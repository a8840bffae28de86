/**
 * bench/run: the engine's everyday costs, measured in one run with their baselines.
 *  1. median wall time of `berth run --rm busybox true` (no network) vs `node -e 0`,
 *     and vs `podman run --rm busybox true` / `docker run --rm busybox true` when those are
 *     installed and working (skipped with a note otherwise);
 *  2. 50 × `run -d busybox sleep 1000`, then one `rm -f` of all: total times;
 *  3. idle monitor RSS per container (VmRSS of each berth-helper monitor).
 * Needs root. Usage: node dist/bench/run.js [iterations]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 15);
if (process.getuid?.() !== 0) {
  console.error('bench/run needs root');
  process.exit(1);
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-run-'));
const berth = (args: string[]) => spawnSync(process.execPath, [berthBin, '--root', root, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

function timeMs(cmd: string, args: string[]): number | undefined {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return r.status === 0 ? ms : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function medianOf(cmd: string, args: string[], n = N): number | undefined {
  if (timeMs(cmd, args) === undefined) return undefined; // warm-up, and "does it work here"
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = timeMs(cmd, args);
    if (t === undefined) return undefined;
    xs.push(t);
  }
  return median(xs);
}

function which(bin: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && fs.existsSync(path.join(d, bin))) return path.join(d, bin);
  return undefined;
}

function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  await createBusyboxImage(root);
  try {
    const node = medianOf(process.execPath, ['-e', '0'])!;
    const run = medianOf(process.execPath, [berthBin, '--root', root, 'run', '--rm', '--network', 'none', 'busybox', 'true']);
    if (run === undefined) throw new Error(`berth run failed: ${berth(['run', '--rm', '--network', 'none', 'busybox', 'true']).stderr}`);
    console.log(`run --rm busybox true: median ${run.toFixed(1)} ms over ${N}; node -e 0: ${node.toFixed(1)} ms; ratio ${(run / node).toFixed(2)}x node`);
    for (const [name, ref] of [['podman', 178], ['docker', 253]] as const) {
      const bin = which(name);
      const t = bin ? medianOf(bin, ['run', '--rm', '--network', 'none', 'busybox', 'true'], 5) : undefined;
      if (t === undefined) console.log(`${name}: ${bin ? 'installed but not working (no daemon/image)' : 'not installed'}; skipped (reference figure ${ref} ms: berth/ref = ${(run / ref).toFixed(2)})`);
      else console.log(`${name} run --rm busybox true: median ${t.toFixed(1)} ms; berth/${name} = ${(run / t).toFixed(2)}`);
    }

    const t0 = process.hrtime.bigint();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = berth(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
      if (r.status !== 0) throw new Error(r.stderr);
      ids.push(r.stdout.trim());
    }
    const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const monitors = ids.map((id) => JSON.parse(fs.readFileSync(path.join(root, 'runtime', id, 'state.json'), 'utf8')).monitorPid as number);
    const rss = monitors.map(rssKb);
    const t1 = process.hrtime.bigint();
    const rm = berth(['rm', '-f', ...ids]);
    const rmMs = Number(process.hrtime.bigint() - t1) / 1e6;
    if (rm.status !== 0) throw new Error(rm.stderr);
    console.log(`50 x run -d sleep 1000: total ${startMs.toFixed(0)} ms (${(startMs / 50).toFixed(1)} ms each; ${(startMs / 50 / node).toFixed(2)}x node -e 0); rm -f of all 50: ${rmMs.toFixed(0)} ms`);
    console.log(`idle monitor RSS: median ${median(rss)} kB, max ${Math.max(...rss)} kB per container`);
  } finally {
    const left = berth(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (left.length) berth(['rm', '-f', ...left]);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/run: ${(e as Error).message}`);
  process.exitCode = 1;
});

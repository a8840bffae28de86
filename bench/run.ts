/**
 * bench/run: the engine's everyday costs, measured in one run with their baselines.
 *  1. median wall time of `berth run --rm busybox true` (no network) vs `node -e 0`,
 *     and vs `podman run --rm busybox true` / `docker run --rm busybox true` when those are
 *     installed and working; a ratio is printed only against an engine measured in this run;
 *  2. 50 × `run -d busybox sleep 1000`, then one `rm -f` of all: total times;
 *  3. idle monitor RSS per container (VmRSS of each berth-helper monitor).
 * 1 and 2 are measured twice: cold (`node bin/berth.js`, a fresh Node each time) and as users
 * run it, `bin/berth` (berth-launch handing the command to a warm accelerator process;
 * src/cli/accelerator). The accelerator gets a private socket and is stopped by PID at the end.
 * Needs root. Usage: node dist/bench/run.js [iterations]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
const launcherBin = path.join(path.dirname(berthBin), 'berth');
const accelSock = path.join(root, 'accel.sock');
const warmEnv = { ...process.env, BERTH_ACCEL_SOCK: accelSock };
const warm = (args: string[]) => spawnSync(launcherBin, ['--root', root, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: warmEnv });

function timeMs(cmd: string, args: string[], env?: NodeJS.ProcessEnv): number | undefined {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return r.status === 0 ? ms : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function medianOf(cmd: string, args: string[], n = N, env?: NodeJS.ProcessEnv): number | undefined {
  if (timeMs(cmd, args, env) === undefined) return undefined; // warm-up, and "does it work here"
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = timeMs(cmd, args, env);
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

/** Memory only this monitor uses (Private_Clean + Private_Dirty): what one more container costs. */
function privateKb(pid: number): number {
  const t = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
  return get('Private_Clean') + get('Private_Dirty');
}

async function startAccelerator(): Promise<ChildProcess> {
  const w = spawn(process.execPath, [berthBin, '--accel-worker'], { stdio: 'ignore', env: warmEnv });
  for (let i = 0; i < 200 && !fs.existsSync(accelSock); i++) await new Promise((r) => setTimeout(r, 25));
  if (!fs.existsSync(accelSock)) throw new Error('the accelerator did not start');
  return w;
}

function detachedStarts(run: (args: string[]) => ReturnType<typeof berth>, label: string, node: number): void {
  const t0 = process.hrtime.bigint();
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    const r = run(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']);
    if (r.status !== 0) throw new Error(r.stderr);
    ids.push(r.stdout.trim());
  }
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const monitors = ids.map((id) => JSON.parse(fs.readFileSync(path.join(root, 'runtime', id, 'state.json'), 'utf8')).monitorPid as number);
  const rss = monitors.map(rssKb);
  const own = monitors.map(privateKb);
  const t1 = process.hrtime.bigint();
  const rm = run(['rm', '-f', ...ids]);
  const rmMs = Number(process.hrtime.bigint() - t1) / 1e6;
  if (rm.status !== 0) throw new Error(rm.stderr);
  console.log(`${label}: 50 x run -d sleep 1000: total ${startMs.toFixed(0)} ms (${(startMs / 50).toFixed(1)} ms each; ${(startMs / 50 / node).toFixed(2)}x node -e 0); rm -f of all 50: ${rmMs.toFixed(0)} ms`);
  console.log(`${label}: idle monitor RSS: median ${median(rss)} kB, max ${Math.max(...rss)} kB per container (target 1024 kB); private to each monitor: median ${median(own)} kB (the rest is the helper's text, shared by all)`);
}

async function main(): Promise<void> {
  await createBusyboxImage(root);
  let worker: ChildProcess | undefined;
  try {
    const node = medianOf(process.execPath, ['-e', '0'])!;
    const args = ['--root', root, 'run', '--rm', '--network', 'none', 'busybox', 'true'];
    const cold = medianOf(process.execPath, [berthBin, ...args]);
    if (cold === undefined) throw new Error(`berth run failed: ${berth(['run', '--rm', '--network', 'none', 'busybox', 'true']).stderr}`);
    worker = await startAccelerator();
    const hot = medianOf(launcherBin, args, N, warmEnv);
    if (hot === undefined) throw new Error(`berth run (accelerated) failed: ${warm(['run', '--rm', '--network', 'none', 'busybox', 'true']).stderr}`);
    console.log(`node -e 0: median ${node.toFixed(1)} ms over ${N}`);
    console.log(`run --rm busybox true, cold (node bin/berth.js): median ${cold.toFixed(1)} ms; ${(cold / node).toFixed(2)}x node`);
    console.log(`run --rm busybox true, bin/berth with the accelerator: median ${hot.toFixed(1)} ms; ${(hot / node).toFixed(2)}x node; ${(hot / cold).toFixed(2)}x cold`);
    // A ratio only against an engine measured here, now: figures from another machine compare nothing.
    for (const [name, target] of [['podman', 0.3], ['docker', 0.2]] as const) {
      const bin = which(name);
      const t = bin ? medianOf(bin, ['run', '--rm', '--network', 'none', 'busybox', 'true'], 5) : undefined;
      if (!bin) console.log(`${name} not installed: no ratio`);
      else if (t === undefined) console.log(`${name} installed but not working here (no daemon or no busybox image): no ratio`);
      else console.log(`${name} run --rm busybox true: median ${t.toFixed(1)} ms; berth/${name} = ${(hot / t).toFixed(2)} (target <= ${target}); cold ${(cold / t).toFixed(2)}`);
    }
    detachedStarts(warm, 'bin/berth with the accelerator', node);
    detachedStarts(berth, 'cold (node bin/berth.js)', node);
  } finally {
    if (worker?.pid) {
      try {
        process.kill(worker.pid, 'SIGTERM');
      } catch { /* gone */ }
    }
    const left = berth(['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean);
    if (left.length) berth(['rm', '-f', ...left]);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/run: ${(e as Error).message}`);
  process.exitCode = 1;
});

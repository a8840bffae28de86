/**
 * bench/build: `berth build` of a small multi-step Dockerfile — FROM busybox, a 50 MB COPY of
 * random files (50 × 1 MiB), a RUN, ENV, WORKDIR and CMD — cold (`--no-cache` after `builder
 * prune`, so the context is hashed again) and fully cached (every step CACHED), medians of N
 * rounds. Baselines measured in the same run:
 *  - `buildah bud --layers` (Debian's buildah, its own throwaway storage, the same busybox
 *    image loaded into it, `--network none`, `--pull-never`), cold with `--no-cache`;
 *  - `docker build` when a Docker engine answers (`docker info`);
 *  - always: the same steps by hand with berth (`create` + `cp` of the context + `start -a`
 *    of the RUN + `commit` with the config changes) — what a user would do without `build`.
 * Ratios are printed only against what ran here. Needs root.
 * Usage: node dist/bench/build.js [rounds]
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 5);
if (process.getuid?.() !== 0) {
  console.error('bench/build needs root');
  process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-build-'));
const root = path.join(work, 'root');
const ctx = path.join(work, 'ctx');
const DOCKERFILE = 'FROM busybox\nCOPY data /data\nRUN du -s /data > /data.size\nENV APP=bench\nWORKDIR /data\nCMD ["cat", "/data.size"]\n';

function run(cmd: string, args: string[], input?: Buffer | string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout.trim();
}
const berth = (args: string[]) => run(process.execPath, [berthBin, '--root', root, ...args]);

function ms(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median cold and cached times of `cold()` / `cached()` (one warm-up round first). */
function measure(cold: () => void, cached: () => void): { cold: number; cached: number } {
  const c: number[] = [];
  const h: number[] = [];
  for (let i = 0; i <= N; i++) {
    const a = ms(cold);
    const b = ms(cached);
    if (i === 0) continue;
    c.push(a);
    h.push(b);
  }
  return { cold: median(c), cached: median(h) };
}

function makeContext(): void {
  fs.mkdirSync(path.join(ctx, 'data'), { recursive: true });
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(ctx, 'data', `f${i}`), crypto.randomBytes(1 << 20));
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), DOCKERFILE);
}

function berthBuild(): { cold: number; cached: number } {
  const build = (extra: string[]) => berth(['build', '-q', '--network', 'none', ...extra, '-t', 'bench:build', ctx]);
  return measure(() => { berth(['builder', 'prune', '-f']); build(['--no-cache']); }, () => build([]));
}

/** The same steps without `build`: a container from busybox, the context copied in, the RUN, a commit with the config. */
function berthByHand(): number {
  const times: number[] = [];
  for (let i = 0; i <= N; i++) {
    const t = ms(() => {
      const id = berth(['create', '--network', 'none', 'busybox', 'sh', '-c', 'du -s /data > /data.size']);
      berth(['cp', path.join(ctx, 'data'), `${id}:/data`]);
      berth(['start', '-a', id]);
      berth(['commit', '-c', 'ENV APP=bench', '-c', 'WORKDIR /data', '-c', 'CMD ["cat", "/data.size"]', id, 'bench:hand']);
      berth(['rm', id]);
    });
    if (i > 0) times.push(t);
  }
  return median(times);
}

function buildah(): { cold: number; cached: number } | string {
  if (spawnSync('buildah', ['--version']).status !== 0) return 'not installed (apt-get install buildah)';
  const g = ['--root', path.join(work, 'buildah', 'root'), '--runroot', path.join(work, 'buildah', 'run'), '--storage-driver', 'overlay'];
  try {
    const archive = path.join(work, 'busybox.tar');
    berth(['save', '-o', archive, 'busybox']);
    run('buildah', [...g, 'pull', '-q', `docker-archive:${archive}`]);
    const id = run('buildah', [...g, 'images', '-q']).split('\n')[0];
    run('buildah', [...g, 'tag', id, 'localhost/busybox:latest']);
    const bud = (extra: string[]) => run('buildah', [...g, 'bud', '-q', '--layers', '--pull-never', '--network', 'none', '--isolation', 'oci', '--runtime', 'runc', ...extra, '-t', 'bench:build', ctx]);
    return measure(() => bud(['--no-cache']), () => bud([]));
  } catch (e) {
    return `cannot run here: ${(e as Error).message}`;
  }
}

function docker(): { cold: number; cached: number } | string {
  if (spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) return 'no Docker engine reachable';
  try {
    const build = (extra: string[]) => run('docker', ['build', '-q', '--network', 'none', ...extra, '-t', 'berth-bench:build', ctx]);
    return measure(() => build(['--no-cache']), () => build([]));
  } catch (e) {
    return `cannot run here: ${(e as Error).message}`;
  }
}

const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
try {
  makeContext();
  await createBusyboxImage(root);
  console.log(`build (FROM busybox, COPY 50 MiB in 50 files, RUN, ENV, WORKDIR, CMD; medians of ${N} rounds)`);
  const b = berthBuild();
  console.log(`  berth build:      cold ${s(b.cold)}, cached ${s(b.cached)}  (targets: cold <= 1.0 s, cached <= 0.1 s)`);
  const hand = berthByHand();
  console.log(`  berth by hand (create + cp + start + commit): ${s(hand)}; build cold / by hand: ratio ${(b.cold / hand).toFixed(2)}`);
  for (const [name, r] of [['buildah bud', buildah()], ['docker build', docker()]] as const) {
    if (typeof r === 'string') console.log(`  ${name}: ${r}`);
    else console.log(`  ${name}: cold ${s(r.cold)}, cached ${s(r.cached)}; berth / ${name.split(' ')[0]}: cold ratio ${(b.cold / r.cold).toFixed(2)}, cached ratio ${(b.cached / r.cached).toFixed(2)}`);
  }
} finally {
  const g = ['--root', path.join(work, 'buildah', 'root'), '--runroot', path.join(work, 'buildah', 'run'), '--storage-driver', 'overlay'];
  if (fs.existsSync(path.join(work, 'buildah'))) spawnSync('buildah', [...g, 'rmi', '-a', '-f'], { stdio: 'ignore' });
  fs.rmSync(work, { recursive: true, force: true });
}

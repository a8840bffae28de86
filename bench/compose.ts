/**
 * bench/compose: `compose up -d` and `compose down -v` of a 5-service project (one network,
 * one volume, a healthcheck chain db -> cache -> api -> web, and a worker), median wall time
 * of N rounds:
 *  - berth: `node bin/berth.js compose ...` (daemonless, in process on the engine);
 *  - docker-compose through `berth serve`: when Debian's `docker-compose` is installed, through a
 *    `berth serve` the bench starts on its own root and socket (or, when BENCH_BERTH_SERVE_SOCKET
 *    names one, the already running server there; it must serve a root holding busybox);
 *  - docker compose on dockerd: when `docker compose version` works and dockerd answers
 *    (busybox loaded into it from berth's `save`, never pulled).
 * A ratio is printed only against a baseline measured in this run. Target: berth's up -d
 * <= 0.3 x docker compose on dockerd. Needs root. Usage: node dist/bench/compose.js [rounds]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 5);
if (process.getuid?.() !== 0) {
  console.error('bench/compose needs root');
  process.exit(1);
}

// No top-level `name:` (docker-compose 1.29 refuses it): every engine gets `-p benchcompose`.
const PROJECT = `
services:
  db:
    image: busybox
    command: ["sh", "-c", "touch /tmp/ok; exec sleep 100000"]
    volumes: [data:/data]
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ok"], interval: 100ms, retries: 100 }
    stop_signal: SIGKILL
  cache:
    image: busybox
    command: ["sh", "-c", "touch /tmp/ok; exec sleep 100000"]
    depends_on: { db: { condition: service_healthy } }
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ok"], interval: 100ms, retries: 100 }
    stop_signal: SIGKILL
  api:
    image: busybox
    command: ["sh", "-c", "touch /tmp/ok; exec sleep 100000"]
    depends_on: { cache: { condition: service_healthy } }
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ok"], interval: 100ms, retries: 100 }
    stop_signal: SIGKILL
  web:
    image: busybox
    command: ["sleep", "100000"]
    depends_on: { api: { condition: service_healthy } }
    stop_signal: SIGKILL
  worker:
    image: busybox
    command: ["sleep", "100000"]
    volumes: [data:/data]
    stop_signal: SIGKILL
volumes:
  data: {}
`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-compose-'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-compose-project-'));
const file = path.join(dir, 'compose.yaml');
fs.writeFileSync(file, PROJECT);

interface Engine { name: string; up: string[]; down: string[]; env?: NodeJS.ProcessEnv }

function timed(argv: string[], env?: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(e: Engine): { up: number; down: number } {
  const ups: number[] = [];
  const downs: number[] = [];
  timed(e.up, e.env); // warm-up: images, networks, caches
  timed(e.down, e.env);
  for (let i = 0; i < N; i++) {
    ups.push(timed(e.up, e.env));
    downs.push(timed(e.down, e.env));
  }
  return { up: median(ups), down: median(downs) };
}

const works = (argv: string[], env?: NodeJS.ProcessEnv) => spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: env ?? process.env }).status === 0;

let serve: ChildProcess | undefined;

/** `berth serve` on the bench's root and a socket in its project dir; resolves once it listens. */
async function startServe(): Promise<string> {
  const sock = path.join(dir, 'api.sock');
  const p = spawn(process.execPath, [berthBin, '--root', root, 'serve', '-H', `unix://${sock}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  serve = p;
  let log = '';
  await new Promise<void>((resolve, reject) => {
    p.stderr!.on('data', (d) => {
      log += d;
      if (log.includes('API listening')) resolve();
    });
    p.once('exit', () => reject(new Error(`berth serve did not start: ${log.slice(-500)}`)));
  });
  return sock;
}

const results: { name: string; up: number; down: number }[] = [];
const missing: string[] = [];
try {
  await createBusyboxImage(root);
  const berth = [process.execPath, berthBin, '--root', root, 'compose', '-p', 'benchcompose', '-f', file];
  results.push({ name: 'berth compose', ...measure({ name: 'berth', up: [...berth, 'up', '-d'], down: [...berth, 'down', '-v', '-t', '0'] }) });

  if (works(['docker-compose', 'version'])) {
    const sock = process.env.BENCH_BERTH_SERVE_SOCKET || (await startServe());
    const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
    const dc = ['docker-compose', '-p', 'benchcompose', '-f', file];
    try {
      results.push({ name: 'docker-compose via berth serve', ...measure({ name: 'serve', up: [...dc, 'up', '-d'], down: [...dc, 'down', '-v', '-t', '0'], env }) });
    } finally {
      spawnSync(dc[0], [...dc.slice(1), 'down', '-v', '-t', '0'], { stdio: 'ignore', env });
    }
  } else missing.push('docker-compose via berth serve (Debian docker-compose not installed)');

  if (works(['docker', 'compose', 'version']) && works(['docker', 'info'])) {
    const save = spawnSync(process.execPath, [berthBin, '--root', root, 'save', 'busybox'], { maxBuffer: 256 << 20 });
    if (save.status !== 0 || spawnSync('docker', ['load'], { input: save.stdout }).status !== 0) throw new Error('could not load busybox into dockerd');
    const dc = ['docker', 'compose', '-p', 'benchcompose', '-f', file];
    results.push({ name: 'docker compose on dockerd', ...measure({ name: 'dockerd', up: [...dc, 'up', '-d'], down: [...dc, 'down', '-v', '-t', '0'] }) });
  } else missing.push('docker compose on dockerd (no dockerd answering, or no compose plugin)');

  console.log(`compose: 5 services, 1 network, 1 volume, a 3-deep healthcheck chain; median of ${N} rounds`);
  for (const r of results) console.log(`  ${r.name.padEnd(32)} up -d ${r.up.toFixed(0).padStart(6)} ms   down -v ${r.down.toFixed(0).padStart(6)} ms`);
  const base = results.find((r) => r.name === 'docker compose on dockerd');
  if (base) console.log(`  ratio berth/dockerd up -d: ${(results[0].up / base.up).toFixed(2)} (target <= 0.3); down -v: ${(results[0].down / base.down).toFixed(2)}`);
  const serve = results.find((r) => r.name.includes('berth serve'));
  if (serve) console.log(`  ratio berth/docker-compose-via-serve up -d: ${(results[0].up / serve.up).toFixed(2)}`);
  for (const m of missing) console.log(`  not measured: ${m}`);
} finally {
  if (serve && serve.exitCode === null) {
    const done = new Promise((r) => serve!.once('exit', r));
    serve.kill('SIGTERM');
    await done;
  }
  spawnSync(process.execPath, [berthBin, '--root', root, 'compose', '-p', 'benchcompose', '-f', file, 'down', '-v', '-t', '0'], { stdio: 'ignore' });
  spawnSync(process.execPath, [berthBin, '--root', root, 'system', 'reset', '-f'], { stdio: 'ignore' });
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
}

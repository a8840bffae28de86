/**
 * bench/api: `docker run --rm busybox true` through `berth serve` against berth's own warm
 * CLI (`bin/berth run --rm busybox true`, the accelerator) in the same run, and against
 * dockerd when one answers at /var/run/docker.sock; prints the medians, the ratio and the
 * milliseconds the API path adds (target: <= 15 ms over the warm CLI, <= 0.2x dockerd).
 * The server and the accelerator get private sockets and are stopped by PID at the end.
 * Needs root and /usr/local/bin/docker. Usage: node dist/bench/api.js [iterations]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createBusyboxImage } from '../test/imageHelpers.js';
import { berthBin } from '../test/helpers.js';

const N = Number(process.argv[2] ?? 15);
const DOCKER = '/usr/local/bin/docker';
if (process.getuid?.() !== 0) {
  console.error('bench/api needs root');
  process.exit(1);
}
if (!fs.existsSync(DOCKER)) {
  console.error(`bench/api needs the docker CLI at ${DOCKER}`);
  process.exit(1);
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-api-'));
const sock = path.join(root, 'api.sock');
const accelSock = path.join(root, 'accel.sock');
const dockerConfig = path.join(root, 'docker-config');
const launcherBin = path.join(path.dirname(berthBin), 'berth');
const warmEnv = { ...process.env, BERTH_ACCEL_SOCK: accelSock };
const apiEnv = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: dockerConfig };

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

function medianOf(cmd: string, args: string[], env?: NodeJS.ProcessEnv, n = N): number | undefined {
  if (timeMs(cmd, args, env) === undefined) return undefined;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = timeMs(cmd, args, env);
    if (t === undefined) return undefined;
    xs.push(t);
  }
  return median(xs);
}

async function waitFor(file: string, what: string): Promise<void> {
  for (let i = 0; i < 400 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 25));
  if (!fs.existsSync(file)) throw new Error(`${what} did not start`);
}

function dockerdAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect('/var/run/docker.sock');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

async function main(): Promise<void> {
  await createBusyboxImage(root);
  fs.mkdirSync(dockerConfig);
  const procs: ChildProcess[] = [];
  try {
    procs.push(spawn(process.execPath, [berthBin, '--accel-worker'], { stdio: 'ignore', env: warmEnv }));
    await waitFor(accelSock, 'the accelerator');
    procs.push(spawn(process.execPath, [berthBin, '--root', root, 'serve', '-H', `unix://${sock}`], { stdio: 'ignore' }));
    await waitFor(sock, 'berth serve');
    const run = ['run', '--rm', '--network', 'none', 'busybox', 'true'];
    const warm = medianOf(launcherBin, ['--root', root, ...run], warmEnv);
    if (warm === undefined) throw new Error('bin/berth run failed');
    const api = medianOf(DOCKER, run, apiEnv);
    if (api === undefined) throw new Error(`docker run through berth serve failed: ${spawnSync(DOCKER, run, { env: apiEnv, encoding: 'utf8' }).stderr}`);
    const ping = medianOf(DOCKER, ['version', '--format', '{{.Server.Version}}'], apiEnv);
    console.log(`bin/berth run --rm busybox true (warm accelerator): median ${warm.toFixed(1)} ms over ${N}`);
    console.log(`docker run --rm busybox true via berth serve: median ${api.toFixed(1)} ms; ${(api / warm).toFixed(2)}x the warm CLI, ${(api - warm).toFixed(1)} ms added (target <= 15 ms)`);
    if (ping !== undefined) {
      console.log(`docker version via berth serve (the docker client's own start-up, a ping and one request): median ${ping.toFixed(1)} ms`);
      console.log(`docker run via berth serve less that client cost: ${(api - ping).toFixed(1)} ms; ${((api - ping) / warm).toFixed(2)}x the warm CLI, ${(api - ping - warm).toFixed(1)} ms added`);
    }
    if (await dockerdAnswers()) {
      const d = medianOf(DOCKER, run, { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_CONFIG: dockerConfig }, 5);
      if (d === undefined) console.log('dockerd answers but cannot run busybox here: no ratio');
      else console.log(`docker run --rm busybox true via dockerd: median ${d.toFixed(1)} ms; berth serve/dockerd = ${(api / d).toFixed(2)} (target <= 0.2)`);
    } else console.log('no dockerd at /var/run/docker.sock: no ratio against it');
  } finally {
    for (const p of procs) if (p.pid) try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 300));
    const left = spawnSync(process.execPath, [berthBin, '--root', root, 'ps', '-aq', '--no-trunc'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    if (left.length) spawnSync(process.execPath, [berthBin, '--root', root, 'rm', '-f', ...left]);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/api: ${(e as Error).message}`);
  process.exitCode = 1;
});

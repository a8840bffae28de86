#!/usr/bin/env node
// Runs the compiled tests with node's test runner: unit tests (no root) and
// integration tests (root, real kernel; they skip themselves without root).
// Usage: node scripts/test.mjs [unit|integration|accel] [name-filter...]  (a file runs when its path below dist/test has any filter: the checkout's own folder name never matches)
//   accel: the engine tests (those driving the CLI through test/integration/engineHarness.ts)
//   again, through bin/berth and a warm accelerator this script starts and stops, so the warm
//   and the cold path are held to the same output and exit codes.
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(here, '..', 'dist', 'test');
const modes = ['unit', 'integration', 'accel'];
const accel = process.argv[2] === 'accel';
const which = accel ? ['integration'] : process.argv[2] && modes.includes(process.argv[2]) ? [process.argv[2]] : ['unit', 'integration'];
const filters = process.argv.slice(2).filter((a) => !modes.includes(a));

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const files = which.flatMap((w) => find(path.join(dist, w)).sort()).filter((f) => filters.length === 0 || filters.some((x) => path.relative(dist, f).includes(x)))
  .filter((f) => !accel || /\bnew Engine\(/.test(fs.readFileSync(f, 'utf8')));
if (files.length === 0) {
  console.error('no test files found; run `npm run build` first');
  process.exit(1);
}
const env = { ...process.env };
let worker;
let sockDir;
if (accel) {
  sockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-accel-test-'));
  env.BERTH_ACCEL_SOCK = path.join(sockDir, 'accel.sock');
  env.BERTH_TEST_VIA = 'accel';
  delete env.BERTH_ACCEL;
  worker = spawn(process.execPath, [path.join(here, '..', 'bin', 'berth.js'), '--accel-worker'], { stdio: 'ignore', env });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 500 && !fs.existsSync(env.BERTH_ACCEL_SOCK); i++) Atomics.wait(pause, 0, 0, 20);
  if (!fs.existsSync(env.BERTH_ACCEL_SOCK)) {
    console.error('the accelerator did not start');
    worker.kill('SIGKILL');
    process.exit(1);
  }
  console.log(`# engine tests through bin/berth and the accelerator (pid ${worker.pid}, ${env.BERTH_ACCEL_SOCK})`);
}
// Integration tests share the kernel (cgroups, mounts, network): run files one at a time.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
if (accel) stopAccelerators(worker, env.BERTH_ACCEL_SOCK, sockDir);

/**
 * Ends the accelerator this script started and any a cold command started on the same socket
 * after ours had gone (found by the socket's inode in /proc/net/unix, then by pid).
 */
function stopAccelerators(child, sock, dir) {
  const pids = new Set(child.exitCode === null && child.signalCode === null ? [child.pid] : []);
  try {
    const inodes = fs.readFileSync('/proc/net/unix', 'utf8').split('\n').filter((l) => l.endsWith(' ' + sock)).map((l) => l.trim().split(/\s+/)[6]);
    for (const p of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        for (const fd of fs.readdirSync(`/proc/${p}/fd`)) {
          const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${p}/fd/${fd}`));
          if (m && inodes.includes(m[1])) pids.add(Number(p));
        }
      } catch { /* gone, or not ours to read */ }
    }
  } catch { /* no /proc/net/unix */ }
  for (const p of pids) try { process.kill(p, 'SIGTERM'); } catch { /* gone */ }
  fs.rmSync(dir, { recursive: true, force: true });
}
// The engine keeps an empty berth/ in each cgroup hierarchy between containers (as Docker
// keeps docker/); once the tests are done, remove the empty ones (a busy one stays).
if (which.includes('integration') && process.getuid?.() === 0) {
  const top = '/sys/fs/cgroup';
  const dirs = fs.existsSync(top) ? [top, ...fs.readdirSync(top).map((h) => path.join(top, h))] : [];
  for (const d of dirs) try { fs.rmdirSync(path.join(d, 'berth')); } catch { /* absent or in use */ }
}
process.exit(r.status ?? 1);

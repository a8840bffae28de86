#!/usr/bin/env node
// Runs the compiled tests with node's test runner: unit tests (no root) and
// integration tests (root, real kernel; they skip themselves without root).
// Usage: node scripts/test.mjs [unit|integration] [name-filter...]  (a file runs when its path has any filter)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(here, '..', 'dist', 'test');
const which = process.argv[2] && ['unit', 'integration'].includes(process.argv[2]) ? [process.argv[2]] : ['unit', 'integration'];
const filters = process.argv.slice(2).filter((a) => !['unit', 'integration'].includes(a));

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const files = which.flatMap((w) => find(path.join(dist, w)).sort()).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files found; run `npm run build` first');
  process.exit(1);
}
// Integration tests share the kernel (cgroups, mounts, network): run files one at a time.
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
// The engine keeps an empty berth/ in each cgroup hierarchy between containers (as Docker
// keeps docker/); once the tests are done, remove the empty ones (a busy one stays).
if (which.includes('integration') && process.getuid?.() === 0) {
  const top = '/sys/fs/cgroup';
  const dirs = fs.existsSync(top) ? [top, ...fs.readdirSync(top).map((h) => path.join(top, h))] : [];
  for (const d of dirs) try { fs.rmdirSync(path.join(d, 'berth')); } catch { /* absent or in use */ }
}
process.exit(r.status ?? 1);
